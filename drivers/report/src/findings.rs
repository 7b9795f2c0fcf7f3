//! The findings table both analyses open with: one row per claim of the paper, the paper's
//! statement beside ours, the test, and a verdict with its reason. Written as `findings.csv`
//! ([`findings_csv`]) and as the first block of the analysis page ([`findings_html`]). The
//! verdicts themselves are decided by each study's analysis; this module only presents them.

use std::fmt::Write as _;

use crate::{csv_field, escape, format_p};

/// What a run says about one claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The run shows it, by the test named in the row.
    Reproduced,
    /// The run could test it, and does not show it.
    NotReproduced,
    /// The run cannot test it (too few networks where the claim is about, a set missing, …).
    NotTestable,
}

impl Verdict {
    /// The word used in `findings.csv`.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Reproduced => "reproduced",
            Verdict::NotReproduced => "not reproduced",
            Verdict::NotTestable => "not testable",
        }
    }
}

/// One claim of a paper and what this run says about it.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// Short name of the claim ("seRNNs more modular than L1 at matched density").
    pub claim: String,
    /// The paper's statement or number.
    pub paper: String,
    /// Ours: the numbers (median, IQR, n; or counts) that the verdict rests on.
    pub ours: String,
    /// The test and its decision rule ("Mann–Whitney per density bin, BH, q < 0.05").
    pub test: String,
    /// The p-value the verdict rests on, where one does (NaN otherwise).
    pub p: f64,
    pub verdict: Verdict,
    /// Why: what decided the verdict, and for anything but "reproduced" what is missing or
    /// what differs.
    pub reason: String,
}

/// `findings.csv`: `claim,paper,ours,test,p,verdict,reason`, one row per finding (p empty
/// where undefined).
pub fn findings_csv(findings: &[Finding]) -> String {
    let mut out = String::from("claim,paper,ours,test,p,verdict,reason\n");
    for f in findings {
        let p = if f.p.is_finite() {
            f.p.to_string()
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{}",
            csv_field(&f.claim),
            csv_field(&f.paper),
            csv_field(&f.ours),
            csv_field(&f.test),
            p,
            f.verdict.name(),
            csv_field(&f.reason)
        );
    }
    out
}

/// `"R reproduced, N not reproduced, T not testable of K claims"`.
pub fn tally(findings: &[Finding]) -> String {
    let count = |v: Verdict| findings.iter().filter(|f| f.verdict == v).count();
    format!(
        "{} reproduced, {} not reproduced, {} not testable of {} claims",
        count(Verdict::Reproduced),
        count(Verdict::NotReproduced),
        count(Verdict::NotTestable),
        findings.len()
    )
}

/// The findings as the first block of an analysis page: a one-line tally, then the table.
pub fn findings_html(findings: &[Finding]) -> String {
    let mut h = format!(
        "<h2>Findings: the paper's claims in this run</h2>\n<p class=\"note\"><strong>{}</strong>. \
         Data: <a href=\"findings.csv\">findings.csv</a>.</p>\n<table class=\"data findings\">\n\
         <tr><th>claim</th><th>paper</th><th>this run</th><th>test</th><th>p</th><th>verdict</th><th>why</th></tr>\n",
        tally(findings)
    );
    for f in findings {
        let class = match f.verdict {
            Verdict::Reproduced => "yes",
            Verdict::NotReproduced => "no",
            Verdict::NotTestable => "na",
        };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"{class}\">{}</td><td>{}</td></tr>",
            escape(&f.claim),
            escape(&f.paper),
            escape(&f.ours),
            escape(&f.test),
            format_p(f.p),
            f.verdict.name(),
            escape(&f.reason)
        );
    }
    h.push_str("</table>\n");
    h
}

/// `median [q1, q3], n = N` of a sample summary, to `digits` decimals.
pub fn median_iqr(median: f64, q1: f64, q3: f64, n: usize, digits: usize) -> String {
    if n == 0 {
        return "no values (n = 0)".into();
    }
    format!("{median:.digits$} [IQR {q1:.digits$}–{q3:.digits$}], n = {n}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(verdict: Verdict, p: f64) -> Finding {
        Finding {
            claim: "a, with comma".into(),
            paper: "0.93 ± 0.01".into(),
            ours: "0.92".into(),
            test: "t".into(),
            p,
            verdict,
            reason: "quote \" inside".into(),
        }
    }

    #[test]
    fn csv_quotes_fields_and_leaves_undefined_p_empty() {
        let csv = findings_csv(&[
            finding(Verdict::Reproduced, 0.01),
            finding(Verdict::NotTestable, f64::NAN),
        ]);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "claim,paper,ours,test,p,verdict,reason");
        assert_eq!(
            lines[1],
            "\"a, with comma\",0.93 ± 0.01,0.92,t,0.01,reproduced,\"quote \"\" inside\""
        );
        assert!(lines[2].contains(",t,,not testable,"), "{}", lines[2]);
    }

    #[test]
    fn html_tallies_the_verdicts_and_escapes() {
        let h = findings_html(&[
            finding(Verdict::Reproduced, 0.01),
            finding(Verdict::NotReproduced, 0.5),
            finding(Verdict::NotReproduced, 0.5),
        ]);
        assert!(
            h.contains("1 reproduced, 2 not reproduced, 0 not testable"),
            "{h}"
        );
        assert!(h.contains("quote &quot; inside") && !h.contains("quote \" inside"));
        assert_eq!(h.matches("<td class=\"no\">").count(), 2);
    }
}
