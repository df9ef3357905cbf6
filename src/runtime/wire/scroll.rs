//! Rows that moved up or down: when the fleet's order changes (a model turns healthy and
//! drops below the warnings) every row between its old and its new place changes, though
//! each is mostly the row above or below it (its values may have moved on too). Within a
//! scroll region (`ESC[t;br`), inserting or deleting lines (`ESC[nL`, `ESC[nM`, VT102)
//! moves those rows as the terminal shows them, and only what still differs is printed.

use ratatui::buffer::{Cell, CellWidth};

use super::shadow::{self, Shadow};

/// The most rows a block moves by.
const MAX_MOVE: u16 = 3;
/// A move is used only when it leaves at least this many fewer cells to print: the
/// sequences and the moves around them cost about 30 bytes.
const MIN_SAVED: usize = 40;

/// Rows `top..=bottom` moved by `by` rows (down when positive), as lines inserted at `top`
/// or deleted there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowMove {
    pub top: u16,
    pub bottom: u16,
    pub by: i16,
}

impl RowMove {
    /// The bytes that make the move; the cursor is then at the top left corner.
    pub fn sequence(&self) -> Vec<u8> {
        let count = self.by.unsigned_abs();
        let op = if self.by > 0 { 'L' } else { 'M' };
        let count = if count == 1 { String::new() } else { count.to_string() };
        let at = if self.top == 0 { String::new() } else { (self.top + 1).to_string() };
        format!("\x1b[{};{}r\x1b[{at}H\x1b[{count}{op}\x1b[r", self.top + 1, self.bottom + 1).into_bytes()
    }

    pub fn contains(&self, y: u16) -> bool {
        (self.top..=self.bottom).contains(&y)
    }
}

/// The screen before and after the frame: rows as the terminal shows them (`None` where a
/// cell is not known or wide), and with this frame's changes on top, borrowed from the
/// shadow and the frame.
pub struct Rows<'a> {
    pub new: Vec<Option<Vec<&'a Cell>>>,
    pub old: Vec<Option<Vec<&'a Cell>>>,
}

impl<'a> Rows<'a> {
    pub fn new(shadow: &'a Shadow, cells: &[(u16, u16, &'a Cell)], size: (u16, u16)) -> Rows<'a> {
        let (width, height) = size;
        let old: Vec<Option<Vec<&Cell>>> =
            (0..height).map(|y| (0..width).map(|x| shadow.known(x, y)).collect()).collect();
        let mut new = old.clone();
        for &(x, y, cell) in cells {
            let Some(row) = new.get_mut(usize::from(y)) else { continue };
            match row.as_mut().and_then(|r| r.get_mut(usize::from(x))) {
                Some(slot) if cell.cell_width() == 1 => *slot = cell,
                _ => *row = None,
            }
        }
        Rows { new, old }
    }

    /// Rows `top..=bottom` of the new screen, as they look and owned: the shadow they
    /// borrow from changes when the rows move.
    pub fn owned(&self, row_move: RowMove) -> Vec<(u16, Vec<Cell>)> {
        (row_move.top..=row_move.bottom)
            .filter_map(|y| Some((y, self.new[usize::from(y)].as_ref()?.iter().map(|&c| shadow::look(c)).collect())))
            .collect()
    }
}

/// Cells of `old` (as the shadow keeps them) to print to make it `new` (as ratatui draws).
fn differing(old: &[&Cell], new: &[&Cell]) -> usize {
    old.iter().zip(new).filter(|(o, n)| !shadow::looks_like(o, n)).count()
}

/// The row moves worth making, at most one per row, best first. A row counts as moved
/// when it is closer to the row `by` above (or below) it before the frame than to the one
/// in its place: its values may have changed too.
pub fn plan(rows: &Rows) -> Vec<RowMove> {
    let height = rows.new.len();
    let cost = |from: usize, to: usize| match (&rows.old[from], &rows.new[to]) {
        (Some(old), Some(new)) => Some(differing(old, new)),
        _ => None,
    };
    let in_place: Vec<Option<usize>> = (0..height).map(|y| cost(y, y)).collect();
    let mut moves: Vec<(usize, RowMove)> = Vec::new();
    for by in (1..=MAX_MOVE as i16).flat_map(|d| [d, -d]) {
        let from = |y: usize| y.checked_add_signed(-isize::from(by)).filter(|&s| s < height);
        let moved: Vec<Option<usize>> = (0..height)
            .map(|y| {
                let here = in_place[y]?;
                let there = cost(from(y)?, y)?;
                here.checked_sub(there).filter(|&gain| gain > 0)
            })
            .collect();
        let mut y = 0;
        while y < height {
            if moved[y].is_none() {
                y += 1;
                continue;
            }
            let start = y;
            let mut saved = 0;
            while let Some(Some(gain)) = moved.get(y) {
                saved += gain;
                y += 1;
            }
            let (first, last) = (start, y - 1);
            // The region: the moved rows and where they came from; the rows it uncovers
            // (blanks in a colour not tracked) are printed in full.
            let count = usize::from(by.unsigned_abs());
            let (top, bottom, uncovered) = if by > 0 {
                (first - count, last, first - count..first)
            } else {
                (first, last + count, last + 1..last + 1 + count)
            };
            if bottom >= height || (top..=bottom).any(|r| rows.old[r].is_none() || rows.new[r].is_none()) {
                continue;
            }
            let full: usize = uncovered.clone().filter_map(|r| rows.new[r].as_ref().map(Vec::len)).sum();
            let before: usize = uncovered.filter_map(|r| in_place[r]).sum();
            if saved + before > full + MIN_SAVED {
                moves.push((saved + before - full, RowMove { top: top as u16, bottom: bottom as u16, by }));
            }
        }
    }
    moves.sort_by_key(|m| std::cmp::Reverse(m.0));
    let mut chosen: Vec<RowMove> = Vec::new();
    for (_, candidate) in moves {
        if chosen.iter().all(|m| candidate.bottom < m.top || candidate.top > m.bottom) {
            chosen.push(candidate);
        }
    }
    chosen
}

/// The cells of `rows` (from [`Rows::owned`]) that still differ once `shadow` shows the
/// moved rows.
pub fn remaining(shadow: &Shadow, rows: Vec<(u16, Vec<Cell>)>) -> Vec<(u16, u16, Cell)> {
    let mut cells = Vec::new();
    for (y, row) in rows {
        for (x, cell) in row.into_iter().enumerate() {
            let x = x as u16;
            if !shadow.shows(x, y, &cell) {
                cells.push((x, y, cell));
            }
        }
    }
    cells
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Size;

    use crate::runtime::wire::shadow::row;

    fn shown(lines: &[&str]) -> Shadow {
        let mut shadow = Shadow::default();
        shadow.fit(Size::new(lines[0].chars().count() as u16, lines.len() as u16));
        for (y, line) in lines.iter().enumerate() {
            for (x, cell) in row(line).iter().enumerate() {
                shadow.printed(x as u16, y as u16, cell, 1);
            }
        }
        shadow
    }

    /// The moves planned from `old` to `new`, and the cells left to print after the first.
    fn frame(old: &[&str], new: &[&str]) -> (Vec<RowMove>, Vec<(u16, u16, Cell)>) {
        let mut shadow = shown(old);
        let new_rows: Vec<Vec<Cell>> = new.iter().map(|l| row(l)).collect();
        let changes: Vec<(u16, u16, &Cell)> = new_rows
            .iter()
            .enumerate()
            .flat_map(|(y, r)| r.iter().enumerate().map(move |(x, c)| (x as u16, y as u16, c)))
            .filter(|&(x, y, c)| !shadow.shows(x, y, c))
            .collect();
        let (moves, owned) = {
            let rows = Rows::new(&shadow, &changes, (new_rows[0].len() as u16, new.len() as u16));
            let moves = plan(&rows);
            let owned = moves.first().map(|&m| rows.owned(m)).unwrap_or_default();
            (moves, owned)
        };
        if let Some(&m) = moves.first() {
            shadow.moved(m.top, m.bottom, m.by);
        }
        (moves, remaining(&shadow, owned))
    }

    const LONG: usize = 60;

    /// A row whose every cell but the borders differs from another name's.
    fn line(name: &str) -> String {
        format!("|{}|", name.repeat(LONG))
    }

    #[test]
    fn a_model_that_moved_up_is_one_insertion_above_the_rows_it_passed() {
        let old: Vec<String> = ["h", "a", "b", "c", "d", "t"].iter().map(|n| line(n)).collect();
        let new: Vec<String> = ["h", "d", "a", "b", "c", "t"].iter().map(|n| line(n)).collect();
        let (moves, left) = frame(
            &old.iter().map(String::as_str).collect::<Vec<_>>(),
            &new.iter().map(String::as_str).collect::<Vec<_>>(),
        );
        assert_eq!(moves, [RowMove { top: 1, bottom: 4, by: 1 }]);
        assert_eq!(moves[0].sequence(), b"\x1b[2;5r\x1b[2H\x1b[L\x1b[r");
        assert!(left.iter().all(|(_, y, _)| *y == 1), "only the uncovered row: {left:?}");
        assert_eq!(left.len(), LONG + 2, "the whole row it uncovered");
    }

    #[test]
    fn rows_that_moved_down_are_deleted_lines_above_them() {
        let old: Vec<String> = ["a", "b", "c", "d", "e"].iter().map(|n| line(n)).collect();
        let new: Vec<String> = ["b", "c", "d", "a", "e"].iter().map(|n| line(n)).collect();
        let (moves, left) = frame(
            &old.iter().map(String::as_str).collect::<Vec<_>>(),
            &new.iter().map(String::as_str).collect::<Vec<_>>(),
        );
        assert_eq!(moves, [RowMove { top: 0, bottom: 3, by: -1 }]);
        assert_eq!(moves[0].sequence(), b"\x1b[1;4r\x1b[H\x1b[M\x1b[r");
        assert!(left.iter().all(|(_, y, _)| *y == 3), "only the uncovered row: {left:?}");
    }

    #[test]
    fn a_row_that_changed_in_place_is_no_move() {
        let (moves, _) = frame(&[&line("a"), &line("b")], &[&line("x"), &line("b")]);
        assert!(moves.is_empty());
    }
}
