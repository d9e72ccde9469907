# Expected values for tests/stats/test_stats_golden_survival.py, computed with R (survival).
#
#   Rscript tests/golden/make_golden_survival.R      (run from the repository root)
#
# Reads tests/golden/survival/cohort_*.csv (written by scripts/make_golden_survival_cohorts.py)
# and the cohorts of make_golden.R (tests/golden/cohort_*.csv), and writes
# tests/golden/expected_survival.json: Kaplan-Meier, medians, landmarks and follow-up with
# delayed entry (Surv(entry, time, event)); the log-rank test over entered risk sets; Cox models
# with Efron and Breslow ties, with and without delayed entry, with NA (aliased) and infinite
# coefficients, their likelihood-ratio and score tests. Needs the survival and jsonlite packages.
# CI does not run this: the tests read the committed JSON.

suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

here <- "tests/golden"
conf_types <- c("log", "log-log", "plain")
landmarks <- c(3, 6, 12, 24)
num <- function(x) if (length(x) == 0 || is.na(x)) NA else unname(as.numeric(x))
nums <- function(x) { x <- unname(as.numeric(x)); x[!is.finite(x)] <- NA; x }

read_survival <- function(name) {
  path <- file.path(here, "survival", paste0("cohort_", name, ".csv"))
  classes <- if ("ecog" %in% names(read.csv(path, nrows = 1))) c(ecog = "character") else NA
  read.csv(path, stringsAsFactors = FALSE, na.strings = "NA", colClasses = classes)
}
read_golden <- function(name) {
  read.csv(file.path(here, paste0("cohort_", name, ".csv")), stringsAsFactors = FALSE,
           na.strings = "NA", colClasses = c(ecog = "character"))
}

# ---------------------------------------------------------------------------------------------
# Kaplan-Meier with delayed entry
# ---------------------------------------------------------------------------------------------
median_row <- function(fit) {
  q <- quantile(fit, probs = 0.5)
  tab <- summary(fit)$table
  list(n = num(tab["records"]), events = num(tab["events"]),
       quantile = list(median = num(q$quantile), lower = num(q$lower), upper = num(q$upper)),
       print = list(median = num(tab["median"]), lower = num(tab["0.95LCL"]),
                    upper = num(tab["0.95UCL"])))
}

km_entry_block <- function(d) {
  groups <- sort(unique(d$group))
  fits <- function(ct) {
    out <- lapply(groups, function(g) survfit(Surv(entry, time, event) ~ 1, data = d[d$group == g, ],
                                              conf.type = ct))
    names(out) <- groups
    out[["all"]] <- survfit(Surv(entry, time, event) ~ 1, data = d, conf.type = ct)
    out
  }
  res <- list(tables = list(), medians = list(), landmarks = list())
  for (ct in conf_types) {
    f <- fits(ct)
    res$medians[[ct]] <- lapply(f, median_row)
    res$landmarks[[ct]] <- lapply(f, function(z) {
      s <- summary(z, times = landmarks[landmarks <= max(z$time)])
      list(time = s$time, surv = s$surv, std.err = s$std.err, lower = s$lower, upper = s$upper,
           n.risk = s$n.risk)
    })
    if (ct == "log") {
      res$tables <- lapply(f, function(z) list(
        time = z$time, n.risk = z$n.risk, n.event = z$n.event, n.censor = z$n.censor, surv = z$surv,
        std.err = nums(z$std.err * z$surv), lower = nums(z$lower), upper = nums(z$upper)))
    }
  }
  # The same grouping fitted in one call must give the same curves (tie merging across groups).
  one <- survfit(Surv(entry, time, event) ~ group, data = d)
  stopifnot(isTRUE(all.equal(one[1]$surv, fits("log")[[groups[1]]]$surv)))
  res$followup <- median_row(survfit(Surv(entry, time, 1 - event) ~ 1, data = d))
  res$rmst <- rmst_block(d, entry = TRUE)
  res
}

# Restricted mean survival time: print(survfit, rmean = tau)'s rmean and se(rmean) per group, and
# the difference of each group from the first (SE sqrt(se1^2 + se2^2), Wald CI and p, as survRM2).
rmst_horizons <- c(6, 12, 30, 100)
rmst_block <- function(d, entry) {
  groups <- sort(unique(d$group))
  lhs <- if (entry) "Surv(entry, time, event)" else "Surv(time, event)"
  out <- lapply(rmst_horizons, function(tau) {
    rows <- lapply(setNames(nm = c(groups, "all")), function(g) {
      sub <- if (g == "all") d else d[d$group == g, ]
      fit <- survfit(as.formula(paste(lhs, "~ 1")), data = sub)
      # what print(fit, rmean = tau) prints
      tab <- survival:::survmean(fit, scale = 1, rmean = tau)$matrix
      list(rmst = unname(tab["rmean"]), se = unname(tab["se(rmean)"]))
    })
    diffs <- lapply(groups[-1], function(g) {
      a <- rows[[groups[1]]]; b <- rows[[g]]
      dd <- b$rmst - a$rmst; se <- sqrt(a$se^2 + b$se^2)
      list(group1 = groups[1], group2 = g, diff = dd, se = se, lower = dd - qnorm(0.975) * se,
           upper = dd + qnorm(0.975) * se, p = 2 * pnorm(-abs(dd / se)))
    })
    list(groups = rows, diffs = diffs)
  })
  setNames(out, as.character(rmst_horizons))
}

# ---------------------------------------------------------------------------------------------
# Log-rank over entered risk sets. survdiff refuses counting-process data, so the statistic is
# written out here: O - E and the hypergeometric variance summed over event times, with risk sets
# {entry < u <= time}. With every entry at 0 it must equal survdiff (checked below); on untied
# times it equals coxph's score test (checked too, and stored as the reference).
# ---------------------------------------------------------------------------------------------
logrank_entry <- function(entry, time, event, group) {
  lv <- sort(unique(group))
  k <- length(lv)
  dt <- sort(unique(time[event == 1]))
  O <- E <- numeric(k)
  V <- matrix(0, k, k)
  for (u in dt) {
    risk <- entry < u & time >= u
    nj <- sapply(lv, function(g) sum(risk & group == g))
    dj <- sapply(lv, function(g) sum(time == u & event == 1 & group == g))
    n <- sum(nj); dd <- sum(dj)
    O <- O + dj
    E <- E + dd * nj / n
    if (n > 1) V <- V + dd * (n - dd) / (n^2 * (n - 1)) * (n * diag(nj, k) - nj %o% nj)
  }
  use <- E > 0
  diffs <- (O - E)[use][-1]
  vv <- V[use, use, drop = FALSE][-1, -1, drop = FALSE]
  chisq <- as.numeric(diffs %*% solve(vv, diffs))
  df <- sum(use) - 1
  list(groups = lv, observed = O, expected = E, chisq = chisq, df = df,
       p = pchisq(chisq, df, lower.tail = FALSE))
}

logrank_block <- function(d, untied) {
  sd0 <- survdiff(Surv(time, event) ~ group, data = d)
  lr0 <- logrank_entry(rep(0, nrow(d)), d$time, d$event, d$group)
  stopifnot(isTRUE(all.equal(lr0$chisq, sd0$chisq, tolerance = 1e-12)))
  out <- logrank_entry(d$entry, d$time, d$event, d$group)
  groups <- out$groups
  pairs <- combn(groups, 2)
  out$pairwise <- lapply(seq_len(ncol(pairs)), function(j) {
    sub <- d[d$group %in% pairs[, j], ]
    r <- logrank_entry(sub$entry, sub$time, sub$event, sub$group)
    list(group1 = pairs[1, j], group2 = pairs[2, j], chisq = r$chisq, p = r$p)
  })
  p <- sapply(out$pairwise, function(x) x$p)
  holm <- p.adjust(p, "holm")
  for (j in seq_along(out$pairwise)) out$pairwise[[j]]$holm <- holm[j]
  if (untied) {
    sc <- summary(coxph(Surv(entry, time, event) ~ factor(group), data = d))$sctest
    stopifnot(isTRUE(all.equal(unname(sc["test"]), out$chisq, tolerance = 1e-10)))
    out$coxph_score <- list(chisq = unname(sc["test"]), df = unname(sc["df"]), p = unname(sc["pvalue"]))
  }
  out
}

# ---------------------------------------------------------------------------------------------
# Cox models
# ---------------------------------------------------------------------------------------------
cox_model <- function(d, vars, refs, ties = "efron", entry = FALSE) {
  dd <- d
  names_map <- c()
  for (v in vars) {
    if (!is.null(refs[[v]])) {
      lv <- sort(unique(na.omit(dd[[v]])))
      dd[[v]] <- factor(dd[[v]], levels = c(refs[[v]], setdiff(lv, refs[[v]])))
      for (l in setdiff(lv, refs[[v]])) names_map[paste0(v, l)] <- paste0(v, "=", l)
    } else names_map[v] <- v
  }
  lhs <- if (entry) "Surv(entry, time, event)" else "Surv(time, event)"
  f <- as.formula(paste(lhs, "~", paste(vars, collapse = " + ")))
  warn <- character(0)
  fit <- withCallingHandlers(coxph(f, data = dd, ties = ties),
                             warning = function(w) { warn <<- c(warn, conditionMessage(w))
                                                     invokeRestart("muffleWarning") })
  s <- summary(fit)
  ci <- s$conf.int
  # Likelihood-ratio p of dropping each column: the model without it, on the same rows.
  X <- model.matrix(fit)
  y <- fit$y
  lr_drop <- function(j) {
    if (is.na(coef(fit)[j])) return(NA)
    if (ncol(X) == 1) {
      ll0 <- fit$loglik[1]; df0 <- 0
    } else {
      red <- suppressWarnings(coxph(y ~ X[, -j, drop = FALSE], ties = ties))
      ll0 <- red$loglik[2]; df0 <- sum(!is.na(coef(red)))
      a <- anova(red, suppressWarnings(coxph(y ~ X, ties = ties)))
      stopifnot(isTRUE(all.equal(a[2, "Chisq"], 2 * (fit$loglik[2] - ll0))))
    }
    pchisq(2 * (fit$loglik[2] - ll0), sum(!is.na(coef(fit))) - df0, lower.tail = FALSE)
  }
  terms <- lapply(seq_along(coef(fit)), function(j) {
    r <- names(coef(fit))[j]
    list(term = unname(names_map[r]), coef = num(s$coefficients[r, "coef"]),
         se = num(s$coefficients[r, "se(coef)"]), hr = num(ci[r, "exp(coef)"]),
         lower = num(ci[r, "lower .95"]), upper = num(ci[r, "upper .95"]),
         p = num(s$coefficients[r, "Pr(>|z|)"]), p_lr = num(lr_drop(j)))
  })
  list(covariates = as.list(vars), references = refs[intersect(names(refs), vars)], ties = ties,
       entry = entry, n = fit$n, events = fit$nevent, iter = fit$iter, terms = terms,
       logtest = list(chisq = unname(s$logtest["test"]), df = unname(s$logtest["df"]),
                      p = unname(s$logtest["pvalue"])),
       sctest = list(chisq = unname(s$sctest["test"]), df = unname(s$sctest["df"]),
                     p = unname(s$sctest["pvalue"])),
       zph = zph_rows(fit),
       warnings = as.list(warn))
}

# Proportional hazards: cox.zph defaults (transform "km", one test per term, GLOBAL).
zph_rows <- function(fit) {
  z <- tryCatch(suppressWarnings(cox.zph(fit)$table), error = function(e) NULL)
  if (is.null(z)) return(NULL)
  lapply(rownames(z), function(r) list(term = r, chisq = unname(z[r, "chisq"]), df = unname(z[r, "df"]),
                                        p = unname(z[r, "p"])))
}

cox_set <- function(d, uni, multi, refs, ties, entry) {
  out <- lapply(uni, function(v) cox_model(d, v, refs, ties, entry))
  c(out, list(cox_model(d, multi, refs, ties, entry)))
}

result <- list(
  meta = list(r_version = R.version.string,
              survival_version = as.character(packageVersion("survival")),
              note = "generated by tests/golden/make_golden_survival.R; do not edit by hand"),
  entry = list(), cox = list())

for (name in c("entry_untied", "entry_ties")) {
  d <- read_survival(name)
  block <- km_entry_block(d)
  block$logrank <- logrank_block(d, untied = name == "entry_untied")
  result$entry[[name]] <- block
  refs <- list(sex = "F", ecog = "0", group = "A")
  for (ties in c("efron", "breslow")) {
    result$cox[[paste(name, ties, sep = "/")]] <- cox_set(d, c("age", "sex", "ecog", "group"),
                                                           c("age", "sex", "ecog", "group"), refs, ties, TRUE)
  }
}

# Breslow ties on the right-censored cohorts of make_golden.R (same models as there).
golden_specs <- list(
  regimens = list(uni = c("age", "sex", "ecog", "brain_mets", "group"), multi = c("age", "sex", "ecog", "group"),
                  refs = list(sex = "F", ecog = "0", brain_mets = "no", group = "C")),
  ties3 = list(uni = c("age", "sex", "ecog", "group"), multi = c("age", "sex", "ecog", "group"),
               refs = list(sex = "M", ecog = "1", group = "B")))
for (name in names(golden_specs)) {
  sp <- golden_specs[[name]]
  result$cox[[paste(name, "breslow", sep = "/")]] <- cox_set(read_golden(name), sp$uni, sp$multi, sp$refs,
                                                              "breslow", FALSE)
  result$cox[[paste(name, "efron", sep = "/")]] <- cox_set(read_golden(name), sp$uni, sp$multi, sp$refs,
                                                            "efron", FALSE)
  result$rmst[[name]] <- rmst_block(read_golden(name), entry = FALSE)
}

# NA (aliased) coefficients: R estimates the other terms.
a <- read_survival("aliased")
result$cox[["aliased"]] <- list(
  cox_model(a, c("age", "group"), list(group = "A")),
  cox_model(a, c("group"), list(group = "A")),
  cox_model(a, c("age", "age2"), list()),
  cox_model(a, c("age", "group"), list(group = "A"), entry = TRUE),
  cox_model(a, c("age", "group2"), list(group2 = "A"), entry = TRUE),
  cox_model(a, c("age", "group2"), list(group2 = "A"), ties = "breslow", entry = TRUE))

# Infinite coefficients (monotone likelihood): R's last iterate, LR tests.
s <- read_survival("separation")
result$cox[["separation"]] <- list(
  cox_model(s, c("arm"), list(arm = "ctl")),
  cox_model(s, c("age", "arm"), list(arm = "ctl")),
  cox_model(s, c("arm"), list(arm = "zz")),
  cox_model(s, c("arm"), list(arm = "ctl"), ties = "breslow"),
  cox_model(s, c("age", "arm"), list(arm = "ctl"), entry = TRUE))

writeLines(toJSON(result, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE),
           file.path(here, "expected_survival.json"))
cat("wrote", file.path(here, "expected_survival.json"), "\n")
