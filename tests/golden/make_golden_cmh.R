# Expected values for tests/stats/test_cmh.py: R's mantelhaen.test on 2 x 2 x K and I x J x K tables,
# the default continuity correction and correct = FALSE, the exact conditional test, one-sided
# alternatives, and the tables that trouble such code: zero cells, a stratum with an empty row, a
# single stratum, many strata, strata with fewer than two observations, and tables R refuses.
#
#   Rscript tests/golden/make_golden_cmh.R      (run from the repository root)
#
# Writes tests/golden/expected_cmh.json. Needs jsonlite. CI does not run this.
#
# Each case holds the table as given to her2var (table[i][j][k]: row, column, stratum) and what R
# returned. R stops on a stratum with fewer than two observations ("sample size in each stratum
# must be > 1"); her2var leaves such strata out, so for those cases R is run on the table without
# them ("dropped" lists them, 0-based) and her2var on the whole table. R's array interface also
# refuses a single stratum, which its x, y, z interface accepts: a table with K = 1 is given to R
# as the three factors it tabulates. Non-finite numbers are written as the strings "Inf", "-Inf",
# "NaN"; "r_error" records the message when R gives no result at all.

suppressPackageStartupMessages(library(jsonlite))

set.seed(20250419)

as_factors <- function(x) {
  idx <- which(x > 0, arr.ind = TRUE)
  counts <- x[idx]
  f <- function(col) factor(rep(idx[, col], counts), levels = seq_len(dim(x)[col]))
  list(f(1), f(2), f(3))
}

run_r <- function(x, ...) {
  if (dim(x)[3] >= 2) return(mantelhaen.test(x, ...))
  v <- as_factors(x)
  mantelhaen.test(v[[1]], v[[2]], v[[3]], ...)
}

num <- function(v) {
  if (is.null(v)) return(NULL)
  v <- unname(as.numeric(v))
  lapply(v, function(e) if (is.finite(e)) e else as.character(e))
}

nested <- function(x) {
  lapply(seq_len(dim(x)[1]), function(i) lapply(seq_len(dim(x)[2]), function(j) I(as.integer(x[i, j, ]))))
}

cases <- list()
add <- function(name, x, correct = TRUE, exact = FALSE, alternative = "two.sided", conf_level = 0.95) {
  sizes <- apply(x, 3, sum)
  keep <- sizes >= 2
  y <- x[, , keep, drop = FALSE]
  case <- list(table = nested(x), correct = correct, exact = exact, alternative = alternative,
               conf_level = conf_level, dropped = I(which(!keep) - 1L))
  r <- tryCatch(run_r(y, correct = correct, exact = exact, alternative = alternative, conf.level = conf_level),
                error = function(e) conditionMessage(e))
  if (is.character(r)) {
    case$r_error <- r
  } else {
    case$method <- r$method
    case$statistic <- num(r$statistic)[[1]]
    case$df <- if (is.null(r$parameter)) NULL else unname(r$parameter)
    case$p <- num(r$p.value)[[1]]
    if (!is.null(r$estimate)) {
      case$estimate <- num(r$estimate)[[1]]
      case$ci <- num(r$conf.int)
    }
  }
  cases[[name]] <<- case
  cat(name, paste(dim(x), collapse = "x"), if (is.character(r)) paste("R error:", r) else
    format(c(r$statistic, r$p.value, r$estimate), digits = 12), "\n")
}

all_ways <- function(name, x) {
  add(paste0(name, "/correct"), x)
  add(paste0(name, "/uncorrected"), x, correct = FALSE)
  add(paste0(name, "/exact"), x, exact = TRUE)
}

draw22 <- function(K, n_lo, n_hi, p_row = 0.4, p_col = 0.5, or = 1.8) {
  x <- array(0L, c(2, 2, K))
  for (k in seq_len(K)) {
    n <- sample(n_lo:n_hi, 1)
    pr <- runif(1, p_row * 0.5, min(0.95, p_row * 1.5))
    pc <- runif(1, p_col * 0.5, min(0.95, p_col * 1.5))
    odds <- pc / (1 - pc)
    p1 <- odds * or / (1 + odds * or)
    rows <- rbinom(n, 1, pr)
    cols <- rbinom(n, 1, ifelse(rows == 1, p1, pc))
    x[, , k] <- table(factor(rows, 1:0), factor(cols, 1:0))
  }
  x
}

drawIJ <- function(I, J, K, n_lo, n_hi) {
  x <- array(0L, c(I, J, K))
  for (k in seq_len(K)) {
    n <- sample(n_lo:n_hi, 1)
    r <- sample(I, n, TRUE, prob = runif(I, 0.3, 1))
    c <- sample(J, n, TRUE, prob = runif(J, 0.3, 1))
    c[r == 1 & runif(n) < 0.3] <- 1  # some association
    x[, , k] <- table(factor(r, seq_len(I)), factor(c, seq_len(J)))
  }
  x
}

# ---- 2 x 2 x K ---------------------------------------------------------------------------------
# The penicillin and rabbits example of ?mantelhaen.test (Mantel 1963).
rabbits <- array(c(0, 0, 6, 5, 3, 0, 3, 6, 6, 2, 0, 4, 5, 6, 1, 0, 2, 5, 0, 0), dim = c(2, 2, 5))
all_ways("rabbits", rabbits)
add("rabbits/less", rabbits, alternative = "less")
add("rabbits/greater", rabbits, alternative = "greater")
add("rabbits/exact_greater", rabbits, exact = TRUE, alternative = "greater")
add("rabbits/exact_less", rabbits, exact = TRUE, alternative = "less")
add("rabbits/conf90", rabbits, conf_level = 0.9)
# UC Berkeley admissions by department (a datasets table: Admit x Gender x Dept).
all_ways("ucb", unclass(UCBAdmissions))
add("ucb/less_uncorrected", unclass(UCBAdmissions), correct = FALSE, alternative = "less")
# Co-alteration sized: HER2 altered x co-driver group x centre.
for (i in 1:4) all_ways(sprintf("random_k%d_%d", 3 + 2 * i, i), draw22(3 + 2 * i, 15, 120, 0.1, 0.2, c(0.5, 1, 2, 3)[i]))
# Small |DELTA| below 0.5: R applies no correction even with correct = TRUE.
small_delta <- array(c(5, 5, 5, 5, 3, 3, 4, 4), dim = c(2, 2, 2))
all_ways("small_delta", small_delta)
# Zero cells: a stratum with a zero cell, and all strata with x[1, 2] = 0 (estimate Inf).
zero_cells <- array(c(4, 0, 2, 7, 3, 1, 0, 6, 5, 2, 2, 3), dim = c(2, 2, 3))
all_ways("zero_cells", zero_cells)
no_offdiag <- array(c(4, 1, 0, 7, 3, 2, 0, 6, 5, 0, 0, 3), dim = c(2, 2, 3))  # b = 0 in every stratum
all_ways("offdiag_zero", no_offdiag)
no_diag <- array(c(0, 4, 3, 2, 0, 1, 5, 6), dim = c(2, 2, 2))  # a = 0 in every stratum: estimate 0
all_ways("diag_zero", no_diag)
# A stratum with an empty row (every patient in the second row): contributes nothing.
empty_row <- array(c(6, 2, 3, 9, 0, 4, 0, 5, 7, 3, 1, 8), dim = c(2, 2, 3))
all_ways("stratum_row_margin_zero", empty_row)
# One stratum (R: the x, y, z interface).
one <- array(c(12, 5, 7, 20), dim = c(2, 2, 1))
all_ways("k1", one)
all_ways("k1_sparse", array(c(3, 0, 1, 9), dim = c(2, 2, 1)))
# Many strata (K = 60) with small ones among them.
all_ways("k60", draw22(60, 2, 25, 0.3, 0.4, 1.6))
k150 <- draw22(150, 2, 12, 0.3, 0.4, 1.3)
add("k150/correct", k150)
add("k150/uncorrected", k150, correct = FALSE)
# Strata with fewer than 2 observations (one empty, one single patient): R stops; left out here.
with_small <- array(c(6, 2, 3, 9, 0, 0, 0, 0, 7, 3, 1, 8, 0, 1, 0, 0, 4, 4, 2, 5), dim = c(2, 2, 5))
all_ways("small_strata", with_small)
# Exact test at the ends of the support: S = lo (estimate 0) and S = hi (estimate Inf).
add("exact_at_lo", array(c(0, 3, 4, 2, 0, 5, 2, 1), dim = c(2, 2, 2)), exact = TRUE)
add("exact_at_hi", array(c(3, 0, 0, 4, 2, 0, 0, 5), dim = c(2, 2, 2)), exact = TRUE)
# R refuses or gives NaN: every stratum with an empty row or column.
add("degenerate_margins/correct", array(c(3, 0, 4, 0, 2, 2, 0, 0), dim = c(2, 2, 2)))

# ---- I x J x K (generalized) -----------------------------------------------------------------------
# The job satisfaction table of ?mantelhaen.test (Agresti 2002): income x satisfaction x gender.
job <- array(c(1, 2, 0, 0, 3, 3, 1, 2, 11, 17, 8, 4, 2, 3, 5, 2,
               1, 0, 0, 0, 1, 3, 0, 1, 2, 5, 7, 9, 1, 1, 3, 6), dim = c(4, 4, 2))
add("job_satisfaction", job)
# HER2 type (4 rows) x co-driver group (2 columns) x centre, and the like.
add("her2_type_4x2x5", drawIJ(4, 2, 5, 20, 90))
add("tier_3x2x7", drawIJ(3, 2, 7, 10, 60))
add("groups_4x5x4", drawIJ(4, 5, 4, 40, 120))
add("wide_2x3x6", drawIJ(2, 3, 6, 8, 40))
add("gen_k1", drawIJ(3, 3, 1, 80, 80))
add("gen_k40", drawIJ(3, 2, 40, 3, 20))
gen_zero <- drawIJ(3, 2, 4, 20, 40)
gen_zero[3, , 2] <- 0L  # a stratum without the third row
gen_zero[2, 1, 3] <- 0L
add("gen_zero_cells", gen_zero)
gen_small <- drawIJ(3, 2, 5, 15, 30)
gen_small[, , 2] <- 0L
gen_small[, , 4] <- 0L
gen_small[1, 2, 4] <- 1L
add("gen_small_strata", gen_small)
# R stops: a row level with no observations at all (singular covariance matrix).
gen_empty <- drawIJ(3, 2, 3, 15, 30)
gen_empty[2, , ] <- 0L
add("gen_empty_level", gen_empty)

# ---- uniroot, the root finder behind the exact test's estimate and CI --------------------------
# Its default tolerance is about 1.2e-4: her2var takes the same steps, so the roots agree far closer.
roots <- list(
  list(name = "square_root_of_2", lower = 0, upper = 2, f = function(x) x^2 - 2),
  list(name = "cosine_minus_x", lower = 0, upper = 1, f = function(x) cos(x) - x),
  list(name = "steep_logistic", lower = 0, upper = 1, f = function(x) 1 / (1 + exp(-40 * (x - 0.3))) - 0.5),
  list(name = "cubic_at_end", lower = -1, upper = 1, f = function(x) x^3 - 1))
uniroots <- list()
for (r in roots) {
  u <- uniroot(r$f, c(r$lower, r$upper))
  uniroots[[r$name]] <- list(lower = r$lower, upper = r$upper, root = u$root, iter = u$iter)
}

result <- list(meta = list(r_version = R.version.string,
                           note = "generated by tests/golden/make_golden_cmh.R; do not edit by hand"),
               cases = cases, uniroot = uniroots)
writeLines(toJSON(result, auto_unbox = TRUE, digits = NA, null = "null", pretty = TRUE),
           "tests/golden/expected_cmh.json")
cat("wrote tests/golden/expected_cmh.json\n")
