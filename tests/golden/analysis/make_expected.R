# Expected values for tests/analysis/test_analysis_golden.py, computed with R (survival, stats).
#
#   Rscript tests/golden/analysis/make_expected.R      (run from the repository root)
#
# Reads fixtures/analysis/cohort.tsv (written by scripts/make_analysis_fixtures.py), applies the
# two built-in plans (rules/plans/first-line-regimens.yaml and alteration-groups.yaml) written out
# by hand below -- population, groupings, recodes, subgroups, exclusions -- and writes
# tests/golden/analysis/expected.json. Needs the survival and jsonlite packages. CI does not run
# this: the tests read the committed JSON. Re-run it after changing the fixture or a plan.

suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

cohort_path <- "fixtures/analysis/cohort.tsv"
out_path <- "tests/golden/analysis/expected.json"

d0 <- read.delim(cohort_path, colClasses = "character", na.strings = "", quote = "",
                 comment.char = "", check.names = FALSE)

num <- function(x) if (length(x) == 0 || is.na(x)) NA else unname(as.numeric(x))

tokens <- function(v, split) if (is.na(v)) character(0) else trimws(strsplit(v, split, fixed = TRUE)[[1]])

# First listed level whose values match a token of the cell (the plan's `multiple: first`).
assign_levels <- function(x, levels, values = list(), split = NULL) {
  unname(vapply(x, function(v) {
    if (is.na(v)) return(NA_character_)
    toks <- if (is.null(split)) v else tokens(v, split)
    for (lv in levels) {
      vals <- if (!is.null(values[[lv]])) values[[lv]] else lv
      if (any(toks %in% vals)) return(lv)
    }
    NA_character_
  }, character(1)))
}

# --------------------------------------------------------------------------------------------
# The plans, as the YAML files say
# --------------------------------------------------------------------------------------------
REGIMENS <- c("C", "I", "TKI", "C+I", "C+A", "C+I+A")
ALTERATION <- list(levels = c("Exon 20 insertion", "Amplification"),
                   values = list("Exon 20 insertion" = "exon20_insertion", "Amplification" = "amplification"),
                   split = ";")
ECOG <- list(levels = c("0-1", "2-4"), values = list("0-1" = c("0", "1"), "2-4" = c("2", "3", "4")))
STAGE <- list(levels = c("I-III", "IV"),
              values = list("I-III" = c("I", "IA", "IB", "II", "IIA", "IIB", "III", "IIIA", "IIIB", "IIIC"),
                            "IV" = c("IV", "IVA", "IVB")))
SMOKING2 <- list(levels = c("never", "ever"), values = list(never = "never", ever = c("former", "current")))

plans <- list(
  "first-line-regimens" = list(
    population = c("exon20_insertion", "point_mutation", "inframe_deletion"),
    groupings = list(regimen = list(column = "regimen", levels = REGIMENS),
                     regimen_group = list(column = "regimen_group", levels = c("single", "combination"))),
    subgroups = list(brain_mets = list(column = "mets_brain", levels = c("yes", "no"))),
    subgroup_is_grouping = FALSE,
    landmarks = c(6, 12, 24),
    distribution = c("regimen_group"),
    table1 = list(
      list(column = "age", type = "continuous"),
      list(column = "sex", type = "categorical", levels = c("male", "female")),
      list(column = "smoking", type = "categorical", levels = c("never", "former", "current")),
      c(list(column = "ecog", type = "categorical"), ECOG),
      c(list(column = "stage", type = "categorical"), STAGE),
      list(column = "mets_brain", type = "categorical", levels = c("yes", "no"))),
    cox = list(uni = TRUE, multi = TRUE, covariates = list(
      list(name = "age", type = "continuous", column = "age"),
      list(name = "sex", type = "categorical", column = "sex", reference = "male"),
      c(list(name = "smoking", type = "categorical", column = "smoking", reference = "never"), SMOKING2),
      c(list(name = "ecog", type = "categorical", column = "ecog", reference = "0-1"), ECOG),
      list(name = "brain_mets", type = "categorical", column = "mets_brain", reference = "no"),
      list(name = "regimen_group", type = "categorical", grouping = "regimen_group", reference = "single")))),
  "alteration-groups" = list(
    population = c("exon20_insertion", "amplification"),
    groupings = list(alteration = c(list(column = "her2_classes"), ALTERATION),
                     regimen = list(column = "regimen", levels = REGIMENS)),
    subgroups = list(alteration_group = c(list(column = "her2_classes"), ALTERATION)),
    subgroup_is_grouping = TRUE,  # the subgroup splits as the grouping `alteration` does
    landmarks = c(12, 24),
    distribution = c("alteration"),
    table1 = list(
      list(column = "age", type = "continuous"),
      list(column = "sex", type = "categorical", levels = c("male", "female")),
      list(column = "smoking", type = "categorical", levels = c("never", "former", "current")),
      c(list(column = "ecog", type = "categorical"), ECOG),
      c(list(column = "stage", type = "categorical"), STAGE),
      list(column = "mets_brain", type = "categorical", levels = c("yes", "no")),
      list(column = "codriver_EGFR", type = "presence"),
      list(column = "codriver_ALK", type = "presence")),
    cox = list(uni = TRUE, multi = FALSE, covariates = list(
      list(name = "alteration", type = "categorical", grouping = "alteration", reference = "Exon 20 insertion"),
      list(name = "age", type = "continuous", column = "age"),
      list(name = "sex", type = "categorical", column = "sex", reference = "male"))))
)

endpoints <- list(pfs = c("pfs_months", "pfs_event", "in_pfs"), os = c("os_months", "os_event", "in_os"))

# --------------------------------------------------------------------------------------------
# Blocks
# --------------------------------------------------------------------------------------------
km_rows <- function(t, e, g, levels, ep, group_by, subgroup, landmarks, out) {
  present <- levels[levels %in% g]
  if (length(present) == 0) return(out)
  f <- factor(g, levels = present)
  fit <- survfit(Surv(t, e) ~ f, conf.type = "log")
  tab <- summary(fit)$table
  if (is.null(dim(tab))) tab <- matrix(tab, nrow = 1, dimnames = list(NULL, names(tab)))
  for (i in seq_along(present)) {
    out$km[[length(out$km) + 1]] <- list(
      endpoint = ep, group_by = group_by, subgroup = subgroup, group = present[i],
      n = num(tab[i, "records"]), events = num(tab[i, "events"]), median = num(tab[i, "median"]),
      lower = num(tab[i, "0.95LCL"]), upper = num(tab[i, "0.95UCL"]))
    z <- if (length(present) == 1) fit else fit[i]
    # Landmarks after the last time only when the curve fell to 0 (it stays there; extend = TRUE).
    ok <- landmarks[landmarks <= max(z$time) | tail(z$surv, 1) == 0]
    if (length(ok)) {
      s <- summary(z, times = ok, extend = TRUE)
      for (j in seq_along(ok)) {
        out$landmarks[[length(out$landmarks) + 1]] <- list(
          endpoint = ep, group_by = group_by, subgroup = subgroup, group = present[i], time = ok[j],
          surv = s$surv[j], lower = num(s$lower[j]), upper = num(s$upper[j]), n_risk = s$n.risk[j])
      }
    }
  }
  if (length(present) >= 2) {
    sd <- suppressWarnings(survdiff(Surv(t, e) ~ f))
    df <- sum(sd$exp > 0) - 1
    out$logrank[[length(out$logrank) + 1]] <- list(
      endpoint = ep, group_by = group_by, subgroup = subgroup, chisq = if (df >= 1) sd$chisq else NA,
      df = if (df >= 1) df else NA, p = if (df >= 1) pchisq(sd$chisq, df, lower.tail = FALSE) else NA)
  }
  if (length(present) >= 3) {
    pairs <- combn(present, 2)
    ps <- c()
    rows <- list()
    for (j in seq_len(ncol(pairs))) {
      keep <- g %in% pairs[, j]
      s <- suppressWarnings(survdiff(Surv(t[keep], e[keep]) ~ factor(g[keep], levels = pairs[, j])))
      # no events in either group: nothing to test (her2var reports no p and leaves it out of the adjustment)
      ps[j] <- if (sum(s$exp > 0) < 2) NA else pchisq(s$chisq, 1, lower.tail = FALSE)
      rows[[j]] <- list(endpoint = ep, group_by = group_by, subgroup = subgroup, group1 = pairs[1, j],
                        group2 = pairs[2, j], chisq = s$chisq, p = ps[j])
    }
    adj <- p.adjust(ps, "holm")
    for (j in seq_along(rows)) {
      rows[[j]]$p_adjusted <- adj[j]
      out$pairwise[[length(out$pairwise) + 1]] <- rows[[j]]
    }
  }
  out
}

follow_rows <- function(t, e, group_by, group, ep, out) {
  if (length(t) == 0) return(out)
  tab <- summary(survfit(Surv(t, 1 - e) ~ 1, conf.type = "log"))$table
  out$follow_up[[length(out$follow_up) + 1]] <- list(
    endpoint = ep, group_by = group_by, group = group, n = length(t), median = num(tab["median"]),
    lower = num(tab["0.95LCL"]), upper = num(tab["0.95UCL"]))
  out
}

# chi-square without continuity correction if every expected count >= 5, else Fisher (exact)
table_test <- function(tab) {
  tab <- tab[rowSums(tab) > 0, colSums(tab) > 0, drop = FALSE]
  if (nrow(tab) < 2 || ncol(tab) < 2) return(list(test = NA, p = NA))
  expected <- outer(rowSums(tab), colSums(tab)) / sum(tab)
  if (min(expected) >= 5) {
    list(test = "chi-square", p = suppressWarnings(chisq.test(tab, correct = FALSE))$p.value)
  } else {
    list(test = "fisher", p = fisher.test(tab, workspace = 2e7)$p.value)
  }
}

response_rows <- function(resp, g, levels, group_by, subgroup, distribution, out) {
  present <- levels[levels %in% g]
  for (lv in present) {
    r <- resp[g == lv]
    n <- length(r)
    x_orr <- sum(r %in% c("CR", "PR"))
    x_dcr <- sum(r %in% c("CR", "PR", "SD"))
    ci_o <- binom.test(x_orr, n)$conf.int
    ci_d <- binom.test(x_dcr, n)$conf.int
    out$response[[length(out$response) + 1]] <- list(
      group_by = group_by, subgroup = subgroup, group = lv, n = n,
      orr = x_orr / n, orr_lower = ci_o[1], orr_upper = ci_o[2],
      dcr = x_dcr / n, dcr_lower = ci_d[1], dcr_upper = ci_d[2])
  }
  if (group_by == "all" || length(present) < 2) return(out)
  f <- factor(g, levels = present)
  measures <- list(ORR = c("CR", "PR"), DCR = c("CR", "PR", "SD"))
  for (m in names(measures)) {
    hit <- resp %in% measures[[m]]
    tab <- rbind(tapply(hit, f, sum), tapply(!hit, f, sum))
    tt <- table_test(tab)
    out$response_tests[[length(out$response_tests) + 1]] <- list(
      group_by = group_by, subgroup = subgroup, measure = m, test = tt$test, p = tt$p)
  }
  if (group_by %in% distribution) {
    tab <- table(factor(resp, levels = c("CR", "PR", "SD", "PD", "NE")), f)
    tt <- table_test(unclass(tab))
    out$response_tests[[length(out$response_tests) + 1]] <- list(
      group_by = group_by, subgroup = subgroup, measure = "best response (CR/PR/SD/PD/NE)",
      test = tt$test, p = tt$p)
  }
  out
}

table1_rows <- function(d, g, levels, variables, out) {
  present <- levels[levels %in% g]
  for (v in variables) {
    raw <- d[[v$column]]
    if (v$type == "continuous") {
      x <- as.numeric(raw)
      ok <- !is.na(x)
      groups <- present[present %in% g[ok]]
      if (length(groups) == 2) {
        res <- suppressWarnings(wilcox.test(x[ok & g == groups[1]], x[ok & g == groups[2]]))
        out$table1[[length(out$table1) + 1]] <- list(variable = v$column, test = "wilcox", p = res$p.value)
      } else {
        res <- kruskal.test(x[ok] ~ factor(g[ok], levels = groups))
        out$table1[[length(out$table1) + 1]] <- list(variable = v$column, test = "kruskal", p = res$p.value)
      }
      next
    }
    if (v$type == "presence") {
      vals <- if (is.null(raw)) rep("no", length(g)) else ifelse(is.na(raw), "no", "yes")
    } else {
      vals <- assign_levels(raw, v$levels, if (is.null(v$values)) list() else v$values)
      vals[is.na(vals) & !is.na(raw)] <- "other"
    }
    ok <- !is.na(vals)
    tt <- table_test(unclass(table(vals[ok], g[ok])))
    out$table1[[length(out$table1) + 1]] <- list(variable = v$column, test = tt$test, p = tt$p)
  }
  out
}

cox_model <- function(dd, covs, kind, ep, out) {
  names_map <- c()
  for (cv in covs) {
    if (cv$type == "categorical") {
      lv <- sort(unique(na.omit(dd[[cv$name]])))
      dd[[cv$name]] <- factor(dd[[cv$name]], levels = c(cv$reference, setdiff(lv, cv$reference)))
      for (l in setdiff(lv, cv$reference)) names_map[paste0(cv$name, l)] <- paste0(cv$name, "=", l)
    } else names_map[cv$name] <- cv$name
  }
  vars <- vapply(covs, function(cv) cv$name, character(1))
  f <- as.formula(paste("Surv(time, event) ~", paste0("`", vars, "`", collapse = " + ")))
  fit <- coxph(f, data = dd, ties = "efron")
  s <- summary(fit)
  rn <- gsub("`", "", rownames(s$coefficients))
  for (k in seq_along(rn)) {
    out$cox[[length(out$cox) + 1]] <- list(
      endpoint = ep, model = kind, covariates = as.list(vars), term = unname(names_map[rn[k]]),
      hr = s$conf.int[k, "exp(coef)"], lower = s$conf.int[k, "lower .95"], upper = s$conf.int[k, "upper .95"],
      p = s$coefficients[k, "Pr(>|z|)"], n = fit$n, events = fit$nevent)
  }
  out
}

# --------------------------------------------------------------------------------------------
run_plan <- function(plan) {
  out <- list(km = list(), landmarks = list(), logrank = list(), pairwise = list(), follow_up = list(),
              response = list(), response_tests = list(), table1 = list(), cox = list())
  pop <- vapply(d0$her2_classes, function(v) any(tokens(v, ";") %in% plan$population), logical(1))
  d <- d0[pop, , drop = FALSE]
  groups <- lapply(plan$groupings, function(gs) assign_levels(d[[gs$column]], gs$levels,
                                                             if (is.null(gs$values)) list() else gs$values,
                                                             gs$split))
  subs <- lapply(plan$subgroups, function(gs) assign_levels(d[[gs$column]], gs$levels,
                                                           if (is.null(gs$values)) list() else gs$values,
                                                           gs$split))
  for (ep in names(endpoints)) {
    cols <- endpoints[[ep]]
    keep <- d[[cols[3]]] %in% "yes" & !is.na(d[[cols[1]]]) & !is.na(d[[cols[2]]])
    t <- as.numeric(d[[cols[1]]])
    e <- as.numeric(d[[cols[2]]])
    out <- km_rows(t[keep], e[keep], rep("all", sum(keep)), "all", ep, "all", NULL, plan$landmarks, out)
    for (gname in names(groups)) {
      k <- keep & !is.na(groups[[gname]])
      out <- km_rows(t[k], e[k], groups[[gname]][k], plan$groupings[[gname]]$levels, ep, gname, NULL,
                     plan$landmarks, out)
    }
    for (sname in names(subs)) {
      sg <- plan$subgroups[[sname]]
      if (!plan$subgroup_is_grouping) {
        k <- keep & !is.na(subs[[sname]])
        out <- km_rows(t[k], e[k], subs[[sname]][k], sg$levels, ep, sname, NULL, plan$landmarks, out)
      }
      for (lv in sg$levels) {
        inside <- keep & subs[[sname]] %in% lv
        for (gname in names(groups)) {
          if (plan$subgroup_is_grouping && gname == "alteration") next
          k <- inside & !is.na(groups[[gname]])
          out <- km_rows(t[k], e[k], groups[[gname]][k], plan$groupings[[gname]]$levels, ep, gname,
                         paste0(sname, "=", lv), plan$landmarks, out)
        }
      }
    }
    if (ep == "os") {
      out <- follow_rows(t[keep], e[keep], "all", "all", ep, out)
      for (gname in names(groups)) {
        for (lv in plan$groupings[[gname]]$levels) {
          k <- keep & groups[[gname]] %in% lv
          out <- follow_rows(t[k], e[k], gname, lv, ep, out)
        }
      }
    }
  }
  # response: in_response = yes and a best response
  rkeep <- d$in_response %in% "yes" & !is.na(d$best_response)
  resp <- toupper(trimws(d$best_response))
  out <- response_rows(resp[rkeep], rep("all", sum(rkeep)), "all", "all", NULL, plan$distribution, out)
  for (gname in names(groups)) {
    k <- rkeep & !is.na(groups[[gname]])
    out <- response_rows(resp[k], groups[[gname]][k], plan$groupings[[gname]]$levels, gname, NULL,
                         plan$distribution, out)
  }
  for (sname in names(subs)) {
    sg <- plan$subgroups[[sname]]
    if (!plan$subgroup_is_grouping) {
      k <- rkeep & !is.na(subs[[sname]])
      out <- response_rows(resp[k], subs[[sname]][k], sg$levels, sname, NULL, plan$distribution, out)
    }
    for (lv in sg$levels) {
      for (gname in names(groups)) {
        if (plan$subgroup_is_grouping && gname == "alteration") next
        k <- rkeep & subs[[sname]] %in% lv & !is.na(groups[[gname]])
        out <- response_rows(resp[k], groups[[gname]][k], plan$groupings[[gname]]$levels, gname,
                             paste0(sname, "=", lv), plan$distribution, out)
      }
    }
  }
  # Table 1: the first grouping
  g1 <- groups[[1]]
  k <- !is.na(g1)
  out <- table1_rows(d[k, , drop = FALSE], g1[k], plan$groupings[[1]]$levels, plan$table1, out)
  # Cox
  for (ep in names(endpoints)) {
    cols <- endpoints[[ep]]
    keep <- d[[cols[3]]] %in% "yes" & !is.na(d[[cols[1]]]) & !is.na(d[[cols[2]]])
    dd <- data.frame(time = as.numeric(d[[cols[1]]][keep]), event = as.numeric(d[[cols[2]]][keep]))
    for (cv in plan$cox$covariates) {
      if (cv$type == "continuous") {
        dd[[cv$name]] <- as.numeric(d[[cv$column]][keep])
      } else if (!is.null(cv$grouping)) {
        dd[[cv$name]] <- groups[[cv$grouping]][keep]
      } else if (!is.null(cv$levels)) {
        dd[[cv$name]] <- assign_levels(d[[cv$column]][keep], cv$levels, cv$values)
      } else {
        dd[[cv$name]] <- d[[cv$column]][keep]
      }
    }
    if (plan$cox$uni) {
      for (cv in plan$cox$covariates) {
        out <- cox_model(dd[complete.cases(dd[, c("time", "event", cv$name)]), ], list(cv), "univariable", ep, out)
      }
    }
    if (plan$cox$multi) {
      out <- cox_model(dd[complete.cases(dd), ], plan$cox$covariates, "multivariable", ep, out)
    }
  }
  out
}

result <- list(
  meta = list(r_version = R.version.string, survival_version = as.character(packageVersion("survival")),
              cohort = cohort_path, note = "generated by tests/golden/analysis/make_expected.R; do not edit by hand"),
  plans = lapply(plans, run_plan))

writeLines(toJSON(result, auto_unbox = TRUE, digits = NA, na = "null", null = "null", pretty = TRUE), out_path)
cat("wrote", out_path, "\n")
