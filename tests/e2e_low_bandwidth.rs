//! End to end: `--low-bandwidth` in a real terminal (tmux) against the demo fleet: no
//! sparklines, a minute clock, and a clean exit.

mod tmux;

use std::time::Duration;

use tmux::Tmux;

const SPARKLINE: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// The header's refresh clock (`… · HH:MM UTC`), if it shows one.
fn header_clock(screen: &str) -> Option<String> {
    let header = screen.lines().next()?;
    let before = &header[..header.find(" UTC")?];
    let clock: String = before.chars().rev().take_while(|c| c.is_ascii_digit() || *c == ':').collect();
    Some(clock.chars().rev().collect())
}

#[test]
fn low_bandwidth_demo_draws_no_sparkline_and_a_minute_clock() {
    let dir = tempfile::tempdir().unwrap();
    let cmd =
        format!("XDG_STATE_HOME={} {} --demo --low-bandwidth", dir.path().display(), env!("CARGO_BIN_EXE_modeldeck"));
    let tmux = Tmux::start("lowbw", &cmd);
    let screen = tmux.wait("the demo fleet and its refresh clock", Duration::from_secs(15), |s| {
        s.contains("Models 8/8") && header_clock(s).is_some()
    });
    let clock = header_clock(&screen).unwrap();
    let digits: Vec<&str> = clock.split(':').collect();
    assert!(digits.len() == 2 && digits.iter().all(|d| d.len() == 2), "the clock is HH:MM, got `{clock}`:\n{screen}");
    assert!(!screen.contains(SPARKLINE), "a sparkline is drawn:\n{screen}");
    assert!(screen.contains("fraud-detector"), "{screen}");
    tmux.keys(&["q"]);
    tmux.assert_restored();
}
