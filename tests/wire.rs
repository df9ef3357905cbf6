//! The byte-lean terminal writer, replayed into a terminal emulator (vt100): real screens of
//! every theme, wide CJK text and style churn are drawn frame after frame, and after each
//! frame the emulator's screen must equal ratatui's buffer cell by cell (character, colours,
//! attributes). Then the bytes it sends are compared with ratatui's crossterm backend.

mod common;

use std::io::Write;
use std::rc::Rc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use modeldeck::app::App;
use modeldeck::domain::{Event, SourceData, SourceId};
use modeldeck::runtime::wire::WireBackend;
use modeldeck::theme::Theme;
use modeldeck::theme::depth::Depth;
use ratatui::backend::{Backend, CrosstermBackend};
use ratatui::buffer::{Buffer, CellWidth};
use ratatui::layout::{Rect, Size};
use ratatui::style::{Color, Modifier, Style};
use ratatui::{Frame, Terminal, TerminalOptions, Viewport};

const WIDTH: u16 = 200;
const HEIGHT: u16 = 60;

/// One frame of a replay: what is drawn, and what it is called in a failure.
type Step = (String, Box<dyn Fn(&mut Frame)>);

fn key(app: &mut App, code: KeyCode) {
    app.update(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

/// The app's screens as an operator walks through them: fleet, selection moves, a data
/// refresh, help, the model screen, the alerts, the acknowledge form, the filter line.
fn app_walk(theme: &Theme, label: &str) -> Vec<Step> {
    type Action = fn(&mut App);
    let actions: [(&str, Action); 13] = [
        ("fleet", |_| {}),
        ("selection down", |a| key(a, KeyCode::Char('j'))),
        ("selection down again", |a| key(a, KeyCode::Char('j'))),
        ("data refresh", |a| {
            a.update(common::update(SourceId::Prometheus, SourceData::Fleet(common::fleet(61)), 2));
            a.update(Event::Tick(common::now() + jiff::SignedDuration::from_secs(7)));
        }),
        ("help overlay", |a| key(a, KeyCode::Char('?'))),
        ("help closed", |a| key(a, KeyCode::Esc)),
        ("model screen", |a| key(a, KeyCode::Enter)),
        ("model screen closed", |a| key(a, KeyCode::Esc)),
        ("alerts focused", |a| key(a, KeyCode::Tab)),
        ("acknowledge form", |a| {
            key(a, KeyCode::Char('a'));
            typed(a, "retraining tonight");
        }),
        ("form closed", |a| key(a, KeyCode::Esc)),
        ("filter line", |a| {
            key(a, KeyCode::Tab);
            key(a, KeyCode::Char('/'));
            typed(a, "fraud");
        }),
        ("filter cleared", |a| key(a, KeyCode::Esc)),
    ];
    let mut app = common::app(60, 20);
    let mut steps: Vec<Step> = Vec::new();
    for (name, action) in actions {
        action(&mut app);
        let (app, theme) = (app.clone(), theme.clone());
        steps.push((format!("{label}: {name}"), Box::new(move |f| modeldeck::ui::draw(f, &app, &theme))));
    }
    steps
}

/// Wide characters on even and odd columns, replacing narrow ones and being replaced.
fn wide_text() -> Vec<Step> {
    let lines = [
        "モデル fraud-detector 精度低下 警告",
        "x推論サーバー応答遅延 recsys-ranker",
        "ascii only over the wide characters now",
        "中文 模型 漂移 a b 한국어 모델",
    ];
    (0..6)
        .map(|shift| {
            let step: Box<dyn Fn(&mut Frame)> = Box::new(move |f: &mut Frame| {
                let buf = f.buffer_mut();
                for (row, line) in lines.iter().enumerate() {
                    let text = lines[(row + shift) % lines.len()];
                    let style = if (row + shift) % 2 == 0 { Style::new().fg(Color::Yellow) } else { Style::new() };
                    buf.set_string(shift as u16 + 3, 2 * row as u16 + 1, text, style);
                    buf.set_string(WIDTH - 40, 2 * row as u16 + 1, line, Style::new().bg(Color::Blue));
                }
            });
            (format!("wide text, shift {shift}"), step)
        })
        .collect()
}

/// Every cell a different style from a fixed pseudo-random sequence: base, indexed and RGB
/// colours, attributes switched on and off, runs of one style and single cells.
fn style_churn() -> Vec<Step> {
    let colors = [
        Color::Reset,
        Color::Red,
        Color::LightGreen,
        Color::Gray,
        Color::DarkGray,
        Color::White,
        Color::Indexed(5),
        Color::Indexed(13),
        Color::Indexed(208),
        Color::Rgb(30, 30, 46),
    ];
    let modifiers = [Modifier::BOLD, Modifier::DIM, Modifier::ITALIC, Modifier::UNDERLINED, Modifier::REVERSED];
    (0..4u64)
        .map(|seed| {
            let step: Box<dyn Fn(&mut Frame)> = Box::new(move |f: &mut Frame| {
                let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let mut next = move || {
                    state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    (state >> 33) as usize
                };
                let buf = f.buffer_mut();
                let mut style = Style::new();
                for y in 0..HEIGHT {
                    for x in 0..WIDTH {
                        // About one cell in eight starts a new style run.
                        if next() % 8 == 0 {
                            let mut modifier = Modifier::empty();
                            for m in modifiers {
                                if next() % 3 == 0 {
                                    modifier |= m;
                                }
                            }
                            style = Style::new()
                                .fg(colors[next() % colors.len()])
                                .bg(colors[next() % colors.len()])
                                .add_modifier(modifier);
                        }
                        let symbol = char::from(b'!' + (next() % 90) as u8);
                        buf[(x, y)].set_char(symbol).set_style(style);
                    }
                }
            });
            (format!("style churn {seed}"), step)
        })
        .collect()
}

/// Sparklines that advance by one or two steps a frame, on plain, coloured and highlighted
/// rows with a border at the right edge and some CJK text: the rows move left in place.
fn sparklines_advancing() -> Vec<Step> {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    [0usize, 1, 2, 4, 5]
        .into_iter()
        .map(|at| {
            let step: Box<dyn Fn(&mut Frame)> = Box::new(move |f: &mut Frame| {
                let buf = f.buffer_mut();
                for y in 0..HEIGHT {
                    let row = usize::from(y);
                    let style = match row % 4 {
                        0 => Style::new(),
                        1 => Style::new().fg(Color::Green),
                        2 => Style::new().fg(Color::Yellow).bg(Color::Indexed(236)),
                        _ => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
                    };
                    let name = if row % 7 == 3 { format!("模型-{row:03}") } else { format!("model-{row:05}") };
                    buf.set_string(0, y, "│", Style::new());
                    buf.set_string(2, y, format!("{name} 0.{:03}", (row * 7 + at) % 1000), style);
                    let bars: String = (0..60).map(|i| BARS[(i + at + row).pow(2) % 8]).collect();
                    buf.set_string(30, y, bars, style);
                    buf.set_string(WIDTH - 1, y, "│", Style::new());
                }
            });
            (format!("sparklines at step {at}"), step)
        })
        .collect()
}

/// A table whose rows change places between frames (a model moving up past others, one
/// moving down, two at once), inside borders, with a highlighted row and the sparklines
/// advancing at the same time.
fn rows_reordered() -> Vec<Step> {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let orders: [Vec<usize>; 4] = [
        (0..50).collect(),
        [0, 1, 2, 30].into_iter().chain((3..30).chain(31..50)).collect(),
        [0, 1, 2, 30].into_iter().chain((3..10).chain(11..30).chain([10]).chain(31..50)).collect(),
        [0, 44, 1, 2, 30]
            .into_iter()
            .chain((3..10).chain(11..30).chain([10]).chain((31..50).filter(|&m| m != 44)))
            .collect(),
    ];
    orders
        .into_iter()
        .enumerate()
        .map(|(frame, order)| {
            // The sparklines advance with the second reorder, not with the others.
            let at = [0, 0, 1, 1][frame];
            let step: Box<dyn Fn(&mut Frame)> = Box::new(move |f: &mut Frame| {
                let buf = f.buffer_mut();
                buf.set_string(0, 0, "┌ Models ", Style::new().fg(Color::Cyan));
                for (row, &model) in order.iter().enumerate() {
                    let y = row as u16 + 1;
                    let style = match model % 3 {
                        0 => Style::new(),
                        1 => Style::new().fg(Color::Yellow),
                        _ => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
                    };
                    let style = if row == 5 { style.bg(Color::Cyan) } else { style };
                    buf.set_string(0, y, "│", Style::new().fg(Color::Cyan));
                    buf.set_string(2, y, format!("model-{model:05} 0.{:03}", (model * 37) % 1000), style);
                    let bars: String = (0..60).map(|i| BARS[(i + at + model * 3).pow(2) % 8]).collect();
                    buf.set_string(30, y, bars, style);
                    buf.set_string(WIDTH - 1, y, "│", Style::new().fg(Color::Cyan));
                }
                buf.set_string(0, HEIGHT - 1, "footer", Style::new());
            });
            (format!("rows in order {frame}"), step)
        })
        .collect()
}

fn all_steps() -> Vec<Step> {
    let mut steps = Vec::new();
    for name in ["default", "light", "high-contrast", "mono"] {
        let theme = Theme::built_in(name).expect("built-in theme");
        steps.extend(app_walk(&theme.clone().for_depth(Depth::Ansi16), &format!("{name}, 16 colours")));
        steps.extend(app_walk(&theme, name));
    }
    steps.extend(wide_text());
    steps.extend(style_churn());
    steps.extend(sparklines_advancing());
    steps.extend(rows_reordered());
    steps.extend(app_walk(&Theme::default_theme(), "default after churn"));
    steps
}

fn fixed<B: Backend>(backend: B) -> Terminal<B> {
    let viewport = Viewport::Fixed(Rect::new(0, 0, WIDTH, HEIGHT));
    Terminal::with_options(backend, TerminalOptions { viewport }).expect("terminal")
}

/// The writer's terminal as the console starts it: the screen cleared first.
fn wire_terminal() -> Terminal<WireBackend<Vec<u8>>> {
    let mut terminal = fixed(WireBackend::with_size(Vec::new(), Size::new(WIDTH, HEIGHT)));
    terminal.backend_mut().clear().expect("clear");
    terminal
}

fn emulated(color: Color) -> vt100::Color {
    match color {
        Color::Reset => vt100::Color::Default,
        Color::Black => vt100::Color::Idx(0),
        Color::Red => vt100::Color::Idx(1),
        Color::Green => vt100::Color::Idx(2),
        Color::Yellow => vt100::Color::Idx(3),
        Color::Blue => vt100::Color::Idx(4),
        Color::Magenta => vt100::Color::Idx(5),
        Color::Cyan => vt100::Color::Idx(6),
        Color::Gray => vt100::Color::Idx(7),
        Color::DarkGray => vt100::Color::Idx(8),
        Color::LightRed => vt100::Color::Idx(9),
        Color::LightGreen => vt100::Color::Idx(10),
        Color::LightYellow => vt100::Color::Idx(11),
        Color::LightBlue => vt100::Color::Idx(12),
        Color::LightMagenta => vt100::Color::Idx(13),
        Color::LightCyan => vt100::Color::Idx(14),
        Color::White => vt100::Color::Idx(15),
        Color::Indexed(i) => vt100::Color::Idx(i),
        Color::Rgb(r, g, b) => vt100::Color::Rgb(r, g, b),
    }
}

/// The first cell where the emulator's screen differs from the buffer, described.
fn first_difference(screen: &vt100::Screen, buffer: &Buffer) -> Option<String> {
    for y in 0..HEIGHT {
        let mut x = 0;
        while x < WIDTH {
            let want = &buffer[(x, y)];
            let Some(got) = screen.cell(y, x) else { return Some(format!("no emulator cell at ({x}, {y})")) };
            let symbol = if want.symbol() == " " { "" } else { want.symbol() };
            let got_symbol = if got.contents() == " " { "" } else { got.contents() };
            let m = want.modifier;
            x += want.cell_width().max(1);
            // A blank shows only its background unless it is reversed or underlined.
            let visible = Modifier::REVERSED | Modifier::UNDERLINED;
            if symbol.is_empty() && !m.intersects(visible) {
                if got_symbol.is_empty() && emulated(want.bg) == got.bgcolor() && !got.inverse() && !got.underline() {
                    continue;
                }
                return Some(format!(
                    "cell ({}, {y}): want a blank on {:?}, got {:?} on {:?}",
                    x - 1,
                    want.bg,
                    got.contents(),
                    got.bgcolor()
                ));
            }
            let mut same = symbol == got_symbol
                && emulated(want.fg) == got.fgcolor()
                && emulated(want.bg) == got.bgcolor()
                && m.contains(Modifier::ITALIC) == got.italic()
                && m.contains(Modifier::UNDERLINED) == got.underline()
                && m.contains(Modifier::REVERSED) == got.inverse();
            // The emulator keeps one intensity: with both bold and dim set, either may show.
            if !m.contains(Modifier::BOLD | Modifier::DIM) {
                same &= m.contains(Modifier::BOLD) == got.bold() && m.contains(Modifier::DIM) == got.dim();
            }
            if !same {
                return Some(format!(
                    "cell ({}, {y}): want {:?} {:?}/{:?} {:?}, got {:?} {:?}/{:?} bold={} dim={} italic={} underline={} inverse={}",
                    x - want.cell_width().max(1),
                    want.symbol(),
                    want.fg,
                    want.bg,
                    want.modifier,
                    got.contents(),
                    got.fgcolor(),
                    got.bgcolor(),
                    got.bold(),
                    got.dim(),
                    got.italic(),
                    got.underline(),
                    got.inverse()
                ));
            }
        }
    }
    None
}

#[test]
fn the_emulated_screen_equals_the_buffer_after_every_frame() {
    let mut terminal = wire_terminal();
    let mut parser = vt100::Parser::new(HEIGHT.try_into().unwrap(), WIDTH.try_into().unwrap(), 0);
    for (name, step) in all_steps() {
        let buffer = terminal.draw(|f| step(f)).expect("draw").buffer.clone();
        let bytes = std::mem::take(terminal.backend_mut().writer_mut());
        parser.process(&bytes);
        if let Some(difference) = first_difference(parser.screen(), &buffer) {
            panic!("after frame `{name}`: {difference}");
        }
    }
}

#[test]
fn a_frame_with_nothing_changed_sends_nothing() {
    let app = common::app(60, 20);
    let theme = Theme::default_theme();
    let mut terminal = wire_terminal();
    terminal.draw(|f| modeldeck::ui::draw(f, &app, &theme)).expect("draw");
    terminal.backend_mut().writer_mut().clear();
    terminal.draw(|f| modeldeck::ui::draw(f, &app, &theme)).expect("draw");
    assert_eq!(terminal.backend().writer().as_slice(), b"");
}

/// A writer that only counts what it is given (crossterm's backend keeps its writer).
#[derive(Clone, Default)]
struct Tally(Rc<std::cell::Cell<usize>>);

impl Write for Tally {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.set(self.0.get() + bytes.len());
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Bytes each backend writes for each of the same frames: (wire, crossterm).
fn bytes_for(steps: &[Step]) -> Vec<(usize, usize)> {
    let mut wire = wire_terminal();
    let tally = Tally::default();
    let mut crossterm = fixed(CrosstermBackend::new(tally.clone()));
    let mut sent = Vec::new();
    for (_, step) in steps {
        let before = (wire.backend().writer().len(), tally.0.get());
        wire.draw(|f| step(f)).expect("draw");
        crossterm.draw(|f| step(f)).expect("draw");
        sent.push((wire.backend().writer().len() - before.0, tally.0.get() - before.1));
    }
    sent
}

fn total(sent: &[(usize, usize)]) -> (usize, usize) {
    sent.iter().fold((0, 0), |(w, c), (dw, dc)| (w + dw, c + dc))
}

#[test]
fn a_representative_redraw_sends_well_under_crossterms_bytes() {
    // The walk through the screens at 200×60, in full and 16 colours: its first paint, its
    // small redraws (selection moves, a data refresh) and the whole walk.
    for (label, theme) in
        [("default", Theme::default_theme()), ("default, 16 colours", Theme::default_theme().for_depth(Depth::Ansi16))]
    {
        let walk = app_walk(&theme, label);
        let sent = bytes_for(&walk);
        for ((name, _), (wire, crossterm)) in walk.iter().zip(&sent) {
            println!("{name}: wire {wire} B, crossterm {crossterm} B");
        }
        let parts = [("first paint", total(&sent[..1])), ("redraws", total(&sent[1..4])), ("walk", total(&sent))];
        for (part, (wire, crossterm)) in parts {
            println!("{label}, {part}: wire {wire} B, crossterm {crossterm} B");
            assert!(
                wire * 10 < crossterm * 7,
                "{label}, {part}: wire {wire} B is not under 70 % of crossterm's {crossterm} B"
            );
        }
    }
}

/// The bytes for drawing `next` over `previous` on a cleared 20×3 screen.
fn bytes_between(previous: &Buffer, next: &Buffer) -> String {
    let mut backend = WireBackend::with_size(Vec::new(), Size::new(20, 3));
    backend.clear().expect("clear");
    backend.draw(Buffer::empty(previous.area).diff(previous).into_iter()).expect("draw");
    backend.flush().expect("flush");
    backend.writer_mut().clear();
    backend.draw(previous.diff(next).into_iter()).expect("draw");
    backend.flush().expect("flush");
    String::from_utf8(backend.writer().clone()).expect("utf-8")
}

fn buffer(lines: &[(u16, u16, &str, Style)]) -> Buffer {
    let mut buffer = Buffer::empty(Rect::new(0, 0, 20, 3));
    for &(x, y, text, style) in lines {
        buffer.set_string(x, y, text, style);
    }
    buffer
}

#[test]
fn a_wide_character_moves_the_cursor_two_cells_and_needs_no_move_after_it() {
    let next = buffer(&[(2, 1, "モa", Style::new())]);
    assert_eq!(bytes_between(&buffer(&[]), &next), "\x1b[2;3Hモa");
}

#[test]
fn a_blank_whose_unseen_colour_changed_is_not_sent() {
    let previous = buffer(&[(0, 0, "    ", Style::new().fg(Color::Red))]);
    let next = buffer(&[(0, 0, "    ", Style::new().fg(Color::Green).add_modifier(Modifier::BOLD))]);
    assert_ne!(previous, next);
    assert_eq!(bytes_between(&previous, &next), "");
}

#[test]
fn text_replaced_by_blanks_is_erased_and_styles_change_in_one_sequence() {
    let previous = buffer(&[(0, 2, "fraud-detector", Style::new())]);
    let next = buffer(&[(0, 2, "ok", Style::new().fg(Color::Red).bg(Color::Blue).add_modifier(Modifier::BOLD))]);
    // The cursor is still at the end of row 3 from the frame before: CR takes it back.
    assert_eq!(bytes_between(&previous, &next), "\r\x1b[1;31;44mok\x1b[0m\x1b[12X");
}

#[test]
fn a_sparkline_that_advanced_a_step_is_moved_left_not_rewritten() {
    let previous = buffer(&[(0, 1, "|x ▁▂▃▄▅▆▇█▇▆▅▄▃▂▁ |", Style::new().fg(Color::Green))]);
    let next = buffer(&[(0, 1, "|x ▂▃▄▅▆▇█▇▆▅▄▃▂▁▂ |", Style::new().fg(Color::Green))]);
    // From the end of the last row drawn: one character deleted where the sparkline
    // starts, then its new last bar and the border that moved.
    assert_eq!(bytes_between(&previous, &next), "\r\x1b[3C\x1b[P\x1b[14C\x1b[32m▂ |\x1b[0m");
}

#[test]
fn a_shift_leaves_every_frame_as_the_buffer_and_fewer_bytes() {
    let steps = sparklines_advancing();
    let mut terminal = wire_terminal();
    let mut parser = vt100::Parser::new(HEIGHT.try_into().unwrap(), WIDTH.try_into().unwrap(), 0);
    let mut sent = Vec::new();
    for (name, step) in &steps {
        let buffer = terminal.draw(|f| step(f)).expect("draw").buffer.clone();
        let bytes = std::mem::take(terminal.backend_mut().writer_mut());
        parser.process(&bytes);
        assert!(first_difference(parser.screen(), &buffer).is_none(), "after `{name}`");
        sent.push(bytes.len());
    }
    // Each step after the first changes every bar: 60 rows of 60 three-byte bars would be
    // 10,800 B; moved, a row costs its changed number, its new end and its border.
    assert!(sent[1..].iter().all(|&n| n < 60 * 80), "{sent:?}");
}

#[test]
fn rows_that_change_places_are_moved_not_rewritten() {
    let steps = rows_reordered();
    let mut terminal = wire_terminal();
    let mut parser = vt100::Parser::new(HEIGHT.try_into().unwrap(), WIDTH.try_into().unwrap(), 0);
    let mut sent = Vec::new();
    for (name, step) in &steps {
        let buffer = terminal.draw(|f| step(f)).expect("draw").buffer.clone();
        let bytes = std::mem::take(terminal.backend_mut().writer_mut());
        parser.process(&bytes);
        assert!(first_difference(parser.screen(), &buffer).is_none(), "after `{name}`");
        sent.push(bytes.len());
    }
    // Rewriting the 27 rows a model passed would be about 250 B each; moved, a frame is
    // the moved rows, the sparklines' steps and the few rows that still differ.
    assert!(sent[1..].iter().all(|&n| n < 50 * 80 + 2 * 250), "{sent:?}");
}
