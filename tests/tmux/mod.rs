//! A real terminal for end-to-end tests: tmux on its own server socket per test.
#![allow(dead_code)]

use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    socket: String,
    session: &'static str,
}

impl Tmux {
    /// Starts `command` in a 100×30 terminal; when it exits the shell prints its status and
    /// the terminal modes, so the test can check the terminal was restored.
    pub fn start(name: &str, command: &str) -> Tmux {
        let script = format!("{command}; echo EXITED:$?; stty -a; sleep 600");
        Tmux::start_argv(name, &[&script])
    }

    /// Starts `argv` as the pane's own process (no wrapping shell): GNU screen, for one,
    /// stops updating when a shell sits between it and tmux. One argument is run by tmux's
    /// shell.
    pub fn start_argv(name: &str, argv: &[&str]) -> Tmux {
        let tmux = Tmux { socket: format!("modeldeck-e2e-{name}-{}", std::process::id()), session: "e2e" };
        let status = Command::new("tmux")
            .args([
                "-L",
                &tmux.socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                tmux.session,
                "-x",
                "100",
                "-y",
                "30",
            ])
            .args(argv)
            .env("TERM", "xterm-256color")
            .status()
            .expect("tmux is installed by scripts/test");
        assert!(status.success());
        tmux
    }

    pub fn keys(&self, keys: &[&str]) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", "-t", self.session])
            .args(keys)
            .status()
            .unwrap();
        assert!(status.success());
    }

    pub fn literal(&self, text: &str) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", "-l", "-t", self.session, text])
            .status()
            .unwrap();
        assert!(status.success());
    }

    pub fn screen(&self) -> String {
        let out =
            Command::new("tmux").args(["-L", &self.socket, "capture-pane", "-p", "-t", self.session]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The screen with its escape sequences (colours, attributes).
    pub fn capture_with_escapes(&self) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-e", "-t", self.session])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn display(&self, format: &str) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "display-message", "-p", "-t", self.session, format])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Polls the screen until `check` holds.
    pub fn wait(&self, what: &str, timeout: Duration, check: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let screen = self.screen();
            if check(&screen) {
                return screen;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}; screen:\n{screen}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn wait_for(&self, text: &str) -> String {
        self.wait(text, Duration::from_secs(20), |s| s.contains(text))
    }

    pub fn assert_restored(&self) {
        let screen =
            self.wait("exit and stty", Duration::from_secs(10), |s| s.contains("EXITED:") && s.contains("icanon"));
        assert!(screen.contains("EXITED:0"), "non-zero exit:\n{screen}");
        assert_eq!(self.display("#{alternate_on}"), "0", "alternate screen left on");
        assert!(screen.contains(" icanon") && screen.contains(" echo "), "raw mode left on:\n{screen}");
        assert!(!screen.contains("-icanon"), "raw mode left on:\n{screen}");
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["-L", &self.socket, "kill-server"]).status();
    }
}
