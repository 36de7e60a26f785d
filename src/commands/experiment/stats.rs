//! The statistics of an election-timeout range, with censored trials counted: a trial that found
//! no leader within the limit is "longer than the limit" in every order statistic, and a mean
//! over censored trials is only a lower bound.

use std::time::Duration;

use serde::Serialize;

/// One timeout range's results. A statistic is `None` when it falls among the censored trials
/// (it is then longer than `censored_at_ms`); `mean_is_lower_bound` says the mean counted
/// censored trials at the limit.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RangeRow {
    pub range: String,
    pub trials: usize,
    pub failed: usize,
    pub censored_at_ms: f64,
    pub min: Option<f64>,
    pub median: Option<f64>,
    pub mean: Option<f64>,
    pub mean_is_lower_bound: bool,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
    pub max: Option<f64>,
}

fn round(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

impl RangeRow {
    /// The statistics of `results` (`None`: no leader within `limit`).
    pub fn of(range: &str, results: &[Option<Duration>], limit: Duration) -> Self {
        let mut ms: Vec<f64> = results.iter().flatten().map(|d| d.as_secs_f64() * 1e3).collect();
        ms.sort_by(|a, b| a.total_cmp(b));
        let trials = results.len();
        let failed = trials - ms.len();
        let limit_ms = limit.as_secs_f64() * 1e3;
        // The value at rank ceil(q * trials), failures ranked last (longer than the limit).
        let quantile = |q: f64| {
            let rank = ((q * trials as f64).ceil() as usize).clamp(1, trials.max(1));
            ms.get(rank - 1).copied().map(round)
        };
        let mean = (trials > 0).then(|| round((ms.iter().sum::<f64>() + failed as f64 * limit_ms) / trials as f64));
        RangeRow {
            range: range.to_string(),
            trials,
            failed,
            censored_at_ms: limit_ms,
            min: ms.first().copied().map(round),
            median: quantile(0.5),
            mean,
            mean_is_lower_bound: failed > 0,
            p95: quantile(0.95),
            p99: quantile(0.99),
            max: if failed > 0 { None } else { ms.last().copied().map(round) },
        }
    }

    fn cell(&self, value: Option<f64>) -> String {
        match value {
            Some(v) => format!("{v}"),
            None => format!(">{}", self.censored_at_ms),
        }
    }

    fn mean_cell(&self) -> String {
        match (self.mean, self.mean_is_lower_bound) {
            (Some(mean), true) => format!(">={mean}"),
            (Some(mean), false) => format!("{mean}"),
            (None, _) => "-".into(),
        }
    }
}

/// One row per range: `range,trials,failed,min,median,mean,p95,p99,max` in ms (`>60000` for a
/// statistic among the censored trials, `>=` for a mean that counted them at the limit).
pub fn csv(rows: &[RangeRow]) -> String {
    let mut out = String::from("range,trials,failed,min,median,mean,p95,p99,max\n");
    for r in rows {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{}\n",
            r.range,
            r.trials,
            r.failed,
            r.cell(r.min),
            r.cell(r.median),
            r.mean_cell(),
            r.cell(r.p95),
            r.cell(r.p99),
            r.cell(r.max)
        ));
    }
    out
}

/// The rows for people.
pub fn table(rows: &[RangeRow]) -> String {
    let mut out = format!(
        "{:>10} {:>7} {:>7} {:>9} {:>9} {:>10} {:>9} {:>9} {:>9}   (ms; failed trials found no leader in 60 s and count as longer)\n",
        "timeout", "trials", "failed", "min", "median", "mean", "p95", "p99", "max"
    );
    for r in rows {
        out.push_str(&format!(
            "{:>10} {:>7} {:>7} {:>9} {:>9} {:>10} {:>9} {:>9} {:>9}\n",
            r.range,
            r.trials,
            r.failed,
            r.cell(r.min),
            r.cell(r.median),
            r.mean_cell(),
            r.cell(r.p95),
            r.cell(r.p99),
            r.cell(r.max)
        ));
    }
    out
}

/// What the Raft paper reports for the same study (Ongaro & Ousterhout 2014 §9.3, Figure 16; the
/// same LogCabin benchmark in Ongaro's dissertation §9.4): 5 servers, a 15 ms broadcast, 1000
/// trials per range (100 for 150-150).
pub fn paper() -> String {
    "\nThe Raft paper, same study on a real LAN (§9.3, Figure 16):\n\
       150-150   no randomness: consistently longer than 10 s (many split votes)\n\
       150-155   median 287 ms\n\
       150-200   worst case over 1000 trials 513 ms\n\
       12-24     mean 35 ms, longest 152 ms (timeouts below this break the timing requirement)\n"
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn censored_trials_count_in_every_statistic() {
        let ms = |v: u64| Some(Duration::from_millis(v));
        let results = [ms(100), ms(200), None, None];
        let row = RangeRow::of("150-151", &results, Duration::from_secs(60));
        assert_eq!((row.trials, row.failed), (4, 2));
        assert_eq!(row.median, Some(200.0), "rank 2 of 4");
        assert_eq!(row.p95, None, "rank 4 is censored");
        assert_eq!(row.max, None);
        assert_eq!(row.mean, Some(30075.0));
        assert!(row.mean_is_lower_bound);
        let all_failed = RangeRow::of("150-150", &[None, None], Duration::from_secs(60));
        assert_eq!(all_failed.min, None);
        assert!(csv(&[all_failed]).contains("150-150,2,2,>60000,>60000,>=60000,>60000,>60000,>60000"));
    }
}
