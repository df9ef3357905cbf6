//! Rows whose text moved left: when a sparkline advances by one step every cell of it
//! changes, but the row is the old one moved one cell to the left with a new cell at its
//! end. Deleting characters at the right column (`ESC[nP`, VT102, in every terminal)
//! moves the rest of the line as the terminal shows it, and only what still differs is
//! printed: a few cells instead of the whole sparkline.

use ratatui::buffer::{Cell, CellWidth};

use super::shadow::{self, Shadow};

/// The most characters deleted at once.
const MAX_COUNT: u16 = 3;
/// A shift is used only when it leaves at least this many fewer cells to print: the
/// sequence and the move to it cost a few bytes.
const MIN_SAVED: usize = 8;

/// `count` characters deleted at (x, y), and what the row then still needs, left to right.
#[derive(Debug)]
pub struct RowShift {
    pub x: u16,
    pub y: u16,
    pub count: u16,
    /// The cells from `x` on that differ from the new frame once the characters are gone.
    pub cells: Vec<(u16, Cell)>,
}

/// The shifts worth making in a frame whose changed cells are `cells` (row by row, left to
/// right, as ratatui's diff gives them) on a screen `width` cells wide.
pub fn plan(shadow: &Shadow, cells: &[(u16, u16, &Cell)], width: u16) -> Vec<RowShift> {
    let mut shifts = Vec::new();
    let mut start = 0;
    while start < cells.len() {
        let y = cells[start].1;
        let end = start + cells[start..].iter().take_while(|c| c.1 == y).count();
        // Only a row with many changes can gain more than the shift costs.
        if end - start >= MIN_SAVED
            && let Some(shift) = plan_row(shadow, y, width, &cells[start..end])
        {
            shifts.push(shift);
        }
        start = end;
    }
    shifts
}

/// The best shift of row `y`, if it saves enough. Only rows whose every cell is known and
/// one cell wide, before and after, are considered: a wide character would move by halves.
fn plan_row(shadow: &Shadow, y: u16, width: u16, changes: &[(u16, u16, &Cell)]) -> Option<RowShift> {
    let old: Vec<&Cell> = (0..width).map(|x| shadow.known(x, y)).collect::<Option<_>>()?;
    let mut new: Vec<Cell> = old.iter().map(|&c| c.clone()).collect();
    for &(x, _, cell) in changes {
        if cell.cell_width() != 1 || x >= width {
            return None;
        }
        new[usize::from(x)] = shadow::look(cell);
    }
    let width = usize::from(width);
    let differs: Vec<bool> = (0..width).map(|x| *old[x] != new[x]).collect();
    let before = differs.iter().filter(|&&d| d).count();
    // Cells left to print with `count` characters deleted at `x`: the ones before `x`
    // that differ, and the ones from `x` on that the moved text does not already show.
    let mut best: Option<(usize, usize, usize)> = None;
    for count in 1..=usize::from(MAX_COUNT).min(width) {
        let moved_wrong = |x: usize| x + count >= width || *old[x + count] != new[x];
        let mut after: usize = (0..width).filter(|&x| moved_wrong(x)).count();
        let mut prefix = 0;
        for (x, &differ) in differs.iter().enumerate() {
            if best.is_none_or(|(left, _, _)| prefix + after < left) {
                best = Some((prefix + after, x, count));
            }
            prefix += usize::from(differ);
            after -= usize::from(moved_wrong(x));
        }
    }
    let (left, x, count) = best?;
    if left + MIN_SAVED > before {
        return None;
    }
    let cells = (x..width)
        .filter(|&column| column + count >= width || *old[column + count] != new[column])
        .map(|column| (column as u16, new[column].clone()))
        .collect();
    Some(RowShift { x: x as u16, y, count: count as u16, cells })
}

/// `ESC[nP`: deletes n characters at the cursor; the rest of the line moves left.
pub fn sequence(count: u16) -> Vec<u8> {
    if count == 1 { b"\x1b[P".to_vec() } else { format!("\x1b[{count}P").into_bytes() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Size;

    use crate::runtime::wire::shadow::row;

    fn shown(text: &str) -> Shadow {
        let mut shadow = Shadow::default();
        shadow.fit(Size::new(text.chars().count() as u16, 1));
        for (x, cell) in row(text).iter().enumerate() {
            shadow.printed(x as u16, 0, cell, 1);
        }
        shadow
    }

    fn changes<'a>(old: &str, new: &'a [Cell]) -> Vec<(u16, u16, &'a Cell)> {
        old.chars()
            .zip(new)
            .enumerate()
            .filter(|(_, (o, n))| n.symbol() != o.to_string())
            .map(|(x, (_, n))| (x as u16, 0, n))
            .collect()
    }

    #[test]
    fn a_sparkline_one_step_on_is_one_deletion_and_its_new_end() {
        let old = "|a 0.91 ▁▂▃▄▅▆▇█▇▆▅▄▃▂▁▂▃▄▅▆ |";
        let new = row("|a 0.92 ▂▃▄▅▆▇█▇▆▅▄▃▂▁▂▃▄▅▆▇ |");
        let shadow = shown(old);
        let plan = plan(&shadow, &changes(old, &new), new.len() as u16);
        assert_eq!(plan.len(), 1, "{plan:?}");
        let shift = &plan[0];
        assert_eq!((shift.x, shift.count), (8, 1));
        let printed: Vec<(u16, &str)> = shift.cells.iter().map(|(x, c)| (*x, c.symbol())).collect();
        assert_eq!(printed, [(27, "▇"), (28, " "), (29, "|")]);
    }

    #[test]
    fn changes_that_are_no_move_are_printed_as_they_are() {
        let old = "|a ▁▂▃▄▅▆▇█▇▆▅▄▃▂▁▂▃▄▅▆|";
        let new = row("|a ▅▅▅▅▅▅▅▅▅▅▅▅▅▅▅▅▅▅▅▅|");
        let shadow = shown(old);
        assert!(plan(&shadow, &changes(old, &new), new.len() as u16).is_empty());
    }

    #[test]
    fn a_row_not_known_in_full_is_left_alone() {
        let old = "|a ▁▂▃▄▅▆▇█▇▆▅▄▃▂▁▂▃▄▅▆ |";
        let new = row("|a ▂▃▄▅▆▇█▇▆▅▄▃▂▁▂▃▄▅▆▇ |");
        let mut shadow = shown(old);
        shadow.forget();
        assert!(plan(&shadow, &changes(old, &new), new.len() as u16).is_empty());
    }
}
