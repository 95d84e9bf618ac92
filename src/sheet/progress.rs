//! Progress for a sheet job when nobody watches a terminal (cron, CI, a log file): one
//! plain line per 10 % of each counted phase, so a log shows the job moving without a
//! bar's control characters or thousands of lines.
//!
//! The terminal bar lives in the command line (it needs `indicatif` and a TTY); both
//! implement [`super::Progress`].

use std::io::Write;
use std::sync::Mutex;

use super::Progress;

/// Writes `phase: 30 % (3,000 of 10,000)` each time a counted phase passes another
/// tenth, and every note as it comes.
pub struct TenPercent<W: Write + Send> {
    state: Mutex<State<W>>,
}

struct State<W> {
    out: W,
    phase: String,
    total: Option<u64>,
    /// Tenths already reported in this phase.
    reported: u64,
}

impl<W: Write + Send> TenPercent<W> {
    pub fn new(out: W) -> Self {
        TenPercent {
            state: Mutex::new(State {
                out,
                phase: String::new(),
                total: None,
                reported: 0,
            }),
        }
    }

    /// The writer back (for tests).
    pub fn into_inner(self) -> W {
        match self.state.into_inner() {
            Ok(s) => s.out,
            Err(e) => e.into_inner().out,
        }
    }
}

/// `12345` as `12,345`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl<W: Write + Send> Progress for TenPercent<W> {
    fn phase(&self, name: &str, total: Option<u64>) {
        if let Ok(mut s) = self.state.lock() {
            s.phase = name.to_string();
            s.total = total.filter(|t| *t > 0);
            s.reported = 0;
        }
    }

    fn done(&self, n: u64) {
        let Ok(mut s) = self.state.lock() else { return };
        let Some(total) = s.total else { return };
        let tenths = (n.min(total) * 10 / total).min(10);
        if tenths > s.reported {
            s.reported = tenths;
            let line = format!(
                "{}: {} % ({} of {})",
                s.phase,
                tenths * 10,
                thousands(n.min(total)),
                thousands(total)
            );
            let _ = writeln!(s.out, "{line}");
            let _ = s.out.flush();
        }
    }

    fn note(&self, text: &str) {
        if let Ok(mut s) = self.state.lock() {
            let _ = writeln!(s.out, "{text}");
        }
    }
}

/// Progress that shows nothing but still prints notes (warnings) on standard error:
/// `--quiet`.
pub struct Quiet;

impl Progress for Quiet {
    fn phase(&self, _: &str, _: Option<u64>) {}
    fn done(&self, _: u64) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_tenth_and_none_repeated() {
        let p = TenPercent::new(Vec::new());
        p.phase("checking rows", None);
        p.done(500); // uncounted phase: nothing
        p.phase("writing", Some(1000));
        for n in (0..=1000).step_by(7) {
            p.done(n);
        }
        p.done(1000);
        p.done(1000);
        let text = String::from_utf8(p.into_inner()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 10, "{text}");
        assert_eq!(lines[0], "writing: 10 % (105 of 1,000)");
        assert_eq!(lines[9], "writing: 100 % (1,000 of 1,000)");
    }

    #[test]
    fn big_jumps_report_the_tenth_reached() {
        let p = TenPercent::new(Vec::new());
        p.phase("writing", Some(30_000));
        p.done(18_000);
        p.done(30_000);
        let text = String::from_utf8(p.into_inner()).unwrap();
        assert_eq!(
            text,
            "writing: 60 % (18,000 of 30,000)\nwriting: 100 % (30,000 of 30,000)\n"
        );
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
    }
}
