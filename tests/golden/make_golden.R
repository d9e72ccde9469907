# Expected values for tests/stats/test_stats_golden.py, computed with R.
#
#   Rscript tests/golden/make_golden.R        (run from the repository root)
#
# Reads tests/golden/cohort_*.csv (written by scripts/make_golden_cohorts.py) and writes
# tests/golden/expected.json. Needs the survival and jsonlite packages. CI does not run this:
# the tests read the committed JSON. Re-run it after changing the cohorts, and commit both.

suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

here <- "tests/golden"
cohorts <- c("regimens", "exon20_amp", "km_edge", "ties3")
conf_types <- c("log", "log-log", "plain")
landmarks <- c(6, 12, 24)

# Cox models per cohort: covariates and the reference level of each categorical one.
cox_specs <- list(
  regimens = list(uni = c("age", "sex", "ecog", "brain_mets", "group"),
                  multi = c("age", "sex", "ecog", "group"),
                  refs = list(sex = "F", ecog = "0", brain_mets = "no", group = "C")),
  exon20_amp = list(uni = c("age", "sex", "ecog", "group"),
                    multi = c("age", "ecog", "group"),
                    refs = list(sex = "F", ecog = "0", group = "exon20ins")),
  ties3 = list(uni = c("age", "sex", "ecog", "group"),
               multi = c("age", "sex", "ecog", "group"),
               refs = list(sex = "M", ecog = "1", group = "B"))
)
categorical_vars <- c("sex", "ecog", "brain_mets", "best_response", "responder")

num <- function(x) if (length(x) == 0 || is.na(x)) NA else unname(as.numeric(x))

read_cohort <- function(name) {
  d <- read.csv(file.path(here, paste0("cohort_", name, ".csv")), stringsAsFactors = FALSE,
                na.strings = "NA", colClasses = c(ecog = "character"))
  d$responder <- ifelse(d$best_response %in% c("CR", "PR"), "yes", "no")
  d
}

median_rows <- function(fit, groups) {
  q <- quantile(fit, probs = 0.5)
  tab <- summary(fit)$table
  if (is.null(dim(tab))) tab <- matrix(tab, nrow = 1, dimnames = list(NULL, names(tab)))
  out <- list()
  for (i in seq_along(groups)) {
    out[[groups[i]]] <- list(
      n = num(tab[i, "records"]), events = num(tab[i, "events"]),
      quantile = list(median = num(q$quantile[i]), lower = num(q$lower[i]), upper = num(q$upper[i])),
      print = list(median = num(tab[i, "median"]), lower = num(tab[i, "0.95LCL"]),
                   upper = num(tab[i, "0.95UCL"])))
  }
  out
}

km_block <- function(d, conf_type) {
  groups <- sort(unique(d$group))
  by_group <- median_rows(survfit(Surv(time, event) ~ group, data = d, conf.type = conf_type),
                          groups)
  overall <- median_rows(survfit(Surv(time, event) ~ 1, data = d, conf.type = conf_type), "all")
  c(by_group, overall)
}

survival_tables <- function(d) {
  fit <- survfit(Surv(time, event) ~ group, data = d)
  groups <- sort(unique(d$group))
  out <- list()
  for (i in seq_along(groups)) {
    z <- fit[i]
    out[[groups[i]]] <- list(time = z$time, n.risk = z$n.risk, n.event = z$n.event,
                             n.censor = z$n.censor, surv = z$surv,
                             std.err = z$std.err * z$surv, lower = z$lower, upper = z$upper)
  }
  out
}

landmark_block <- function(d, conf_type) {
  fit <- survfit(Surv(time, event) ~ group, data = d, conf.type = conf_type)
  groups <- sort(unique(d$group))
  out <- list()
  for (i in seq_along(groups)) {
    # after the last time only when the curve fell to 0 (it stays there; extend = TRUE)
    z <- fit[i]
    s <- summary(z, times = landmarks[landmarks <= max(z$time) | tail(z$surv, 1) == 0], extend = TRUE)
    out[[groups[i]]] <- list(time = s$time, surv = s$surv, std.err = s$std.err,
                             lower = s$lower, upper = s$upper, n.risk = s$n.risk)
  }
  out
}

followup_block <- function(d) {
  groups <- sort(unique(d$group))
  c(median_rows(survfit(Surv(time, 1 - event) ~ group, data = d), groups),
    median_rows(survfit(Surv(time, 1 - event) ~ 1, data = d), "all"))
}

logrank_block <- function(d) {
  sd <- survdiff(Surv(time, event) ~ group, data = d)
  groups <- sort(unique(d$group))
  pairs <- combn(groups, 2)
  pw <- lapply(seq_len(ncol(pairs)), function(j) {
    sub <- d[d$group %in% pairs[, j], ]
    s <- survdiff(Surv(time, event) ~ group, data = sub)
    list(group1 = pairs[1, j], group2 = pairs[2, j], chisq = s$chisq,
         p = pchisq(s$chisq, 1, lower.tail = FALSE))
  })
  p <- sapply(pw, function(x) x$p)
  holm <- p.adjust(p, "holm")
  bh <- p.adjust(p, "BH")
  for (j in seq_along(pw)) { pw[[j]]$holm <- holm[j]; pw[[j]]$BH <- bh[j] }
  list(groups = groups, chisq = sd$chisq, df = length(sd$n) - 1,
       p = pchisq(sd$chisq, length(sd$n) - 1, lower.tail = FALSE),
       observed = as.numeric(sd$obs), expected = as.numeric(sd$exp), pairwise = pw)
}

cox_model <- function(d, vars, refs) {
  dd <- d
  names_map <- c()
  for (v in vars) {
    if (!is.null(refs[[v]])) {
      lv <- sort(unique(na.omit(dd[[v]])))
      dd[[v]] <- factor(dd[[v]], levels = c(refs[[v]], setdiff(lv, refs[[v]])))
      for (l in setdiff(lv, refs[[v]])) names_map[paste0(v, l)] <- paste0(v, "=", l)
    } else names_map[v] <- v
  }
  f <- as.formula(paste("Surv(time, event) ~", paste(vars, collapse = " + ")))
  fit <- coxph(f, data = dd, ties = "efron")
  s <- summary(fit)
  ci <- s$conf.int
  terms <- lapply(rownames(s$coefficients), function(r) list(
    term = unname(names_map[r]), coef = s$coefficients[r, "coef"],
    se = s$coefficients[r, "se(coef)"], hr = ci[r, "exp(coef)"],
    lower = ci[r, "lower .95"], upper = ci[r, "upper .95"], p = s$coefficients[r, "Pr(>|z|)"]))
  list(covariates = as.list(vars), references = refs[intersect(names(refs), vars)], n = fit$n,
       events = fit$nevent, terms = terms)
}

categorical_block <- function(d) {
  out <- list()
  for (v in categorical_vars) {
    tab <- table(d[[v]], d$group)  # NA dropped, levels sorted, as the Python side does
    tab <- tab[rowSums(tab) > 0, colSums(tab) > 0, drop = FALSE]
    if (nrow(tab) < 2 || ncol(tab) < 2) next
    ch <- suppressWarnings(chisq.test(tab, correct = FALSE))
    fp <- tryCatch(fisher.test(tab, workspace = 2e7)$p.value, error = function(e) NA)
    out[[v]] <- list(table = unclass(matrix(tab, nrow = nrow(tab))), rows = rownames(tab),
                     cols = colnames(tab), chisq = unname(ch$statistic),
                     df = unname(ch$parameter), chisq_p = ch$p.value,
                     expected_min = min(ch$expected), fisher_p = fp)
  }
  out
}

continuous_block <- function(d) {
  groups <- sort(unique(d$group))
  if (length(groups) == 2) {
    x <- d$age[d$group == groups[1]]; y <- d$age[d$group == groups[2]]
    w1 <- wilcox.test(x, y, exact = FALSE, correct = TRUE)
    w0 <- suppressWarnings(wilcox.test(x, y))
    list(test = "wilcox", statistic = unname(w1$statistic), p_approx = w1$p.value,
         p_default = w0$p.value)
  } else {
    k <- kruskal.test(age ~ factor(group), data = d)
    list(test = "kruskal", statistic = unname(k$statistic), df = unname(k$parameter),
         p = k$p.value)
  }
}

orr_block <- function(d) {
  out <- list()
  for (den in c("all", "evaluable")) {
    rows <- list()
    for (g in c(sort(unique(d$group)), "all")) {
      r <- if (g == "all") d$best_response else d$best_response[d$group == g]
      n <- if (den == "all") length(r) else sum(r != "NE")
      one <- function(x) {
        if (n == 0) return(NULL)
        ci <- binom.test(x, n)$conf.int
        list(x = x, n = n, lower = ci[1], upper = ci[2])
      }
      rows[[g]] <- list(orr = one(sum(r %in% c("CR", "PR"))),
                        dcr = one(sum(r %in% c("CR", "PR", "SD"))))
    }
    out[[den]] <- rows
  }
  out
}

result <- list(
  meta = list(r_version = R.version.string,
              survival_version = as.character(packageVersion("survival")),
              note = "generated by tests/golden/make_golden.R; do not edit by hand"),
  cohorts = list())

for (name in cohorts) {
  d <- read_cohort(name)
  block <- list(
    km = setNames(lapply(conf_types, function(ct) km_block(d, ct)), conf_types),
    tables = survival_tables(d),
    landmarks = setNames(lapply(conf_types, function(ct) landmark_block(d, ct)), conf_types),
    followup = followup_block(d),
    logrank = logrank_block(d),
    categorical = categorical_block(d),
    continuous = continuous_block(d),
    orr = orr_block(d))
  spec <- cox_specs[[name]]
  if (!is.null(spec)) {
    block$cox_uni <- lapply(spec$uni, function(v) cox_model(d, v, spec$refs))
    block$cox_multi <- cox_model(d, spec$multi, spec$refs)
  }
  result$cohorts[[name]] <- block
}

# Fixed tables for the exact r×c Fisher test (sizes named in the brief) and chi-square.
fixed <- list(
  matrix(c(3, 1, 1, 3), 2, byrow = TRUE),
  matrix(c(10, 2, 3, 15), 2, byrow = TRUE),
  matrix(c(0, 5, 7, 0), 2, byrow = TRUE),
  matrix(c(5, 15, 8, 12, 12, 8, 3, 17, 10, 10, 7, 13), ncol = 2, byrow = TRUE),
  matrix(c(2, 18, 9, 11, 14, 6, 1, 19, 10, 10, 4, 16), ncol = 2, byrow = TRUE),
  matrix(c(10, 20, 10, 15, 10, 15, 20, 10, 10), 3, byrow = TRUE),
  matrix(c(2, 8, 20, 15, 25, 10, 23, 7, 10), 3, byrow = TRUE),
  matrix(c(1, 2, 0, 3, 1, 4, 0, 2, 5), 3, byrow = TRUE),
  matrix(c(3, 0, 1, 2, 0, 4, 1, 1, 2, 2, 0, 3), 3, byrow = TRUE))
result$fisher_tables <- lapply(fixed, function(m) {
  ch <- suppressWarnings(chisq.test(m, correct = FALSE))
  list(table = m, fisher_p = fisher.test(m, workspace = 2e7)$p.value,
       chisq = unname(ch$statistic), chisq_p = ch$p.value, expected_min = min(ch$expected))
})

binom_cases <- list(c(0, 10), c(10, 10), c(3, 17), c(27, 118), c(1, 1), c(0, 1), c(5, 36),
                    c(50, 100), c(1, 2))
result$binom <- lapply(binom_cases, function(xn) {
  ci <- binom.test(xn[1], xn[2])$conf.int
  list(x = xn[1], n = xn[2], lower = ci[1], upper = ci[2])
})

# Two samples without ties: R's default is the exact Mann-Whitney distribution.
wx <- c(0.8, 1.9, 2.3, 3.1, 4.7, 5.2)
wy <- c(1.1, 2.6, 3.5, 6.0, 6.4, 7.7, 8.1)
result$wilcox <- list(x = wx, y = wy, p_default = wilcox.test(wx, wy)$p.value,
                      p_approx = wilcox.test(wx, wy, exact = FALSE, correct = TRUE)$p.value,
                      statistic = unname(wilcox.test(wx, wy)$statistic))

writeLines(toJSON(result, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE),
           file.path(here, "expected.json"))
cat("wrote", file.path(here, "expected.json"), "\n")
