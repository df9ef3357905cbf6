//! The order cells are sent in. A refresh changes a digit or two in the same columns of
//! row after row, each column in its own colour: row by row, every changed cell needs a
//! colour change and a move along the row. Grouped by style, the cells of one column
//! follow each other one line down and the colour changes once per group. Either order
//! gives the same screen; the cheaper one is used.

use ratatui::buffer::{Cell, CellWidth};
use ratatui::layout::Position;

use super::cursor::{self, Cursor};
use super::sgr::Pen;
use super::shadow::Shadow;

/// Frames with more changed cells than this are left row by row: a full paint is dense,
/// and the estimate is not free.
const MAX_CELLS: usize = 2000;
/// About what a colour change costs (`ESC[33m`).
const PEN_CHANGE: usize = 5;

/// Reorders `cells` (row by row) by style when that is estimated to send fewer bytes.
/// Only frames of one-cell-wide characters over cells not known to be part of a wide one
/// are reordered: then printing one cell never disturbs another.
pub fn by_style(cells: &mut [(u16, u16, &Cell)], shadow: &Shadow, cursor: Cursor, pen: Pen) {
    if cells.len() < 2 || cells.len() > MAX_CELLS {
        return;
    }
    let narrow = |&(x, y, cell): &(u16, u16, &Cell)| {
        cell.cell_width() == 1
            && !shadow.covered(x, y)
            && shadow.known(x, y).is_none_or(|shown| shown.cell_width() == 1)
    };
    if !cells.iter().all(narrow) {
        return;
    }
    let mut pens: Vec<Pen> = Vec::new();
    let group = |pens: &mut Vec<Pen>, cell: &Cell| {
        let pen = super::pen_of(cell);
        pens.iter().position(|p| *p == pen).unwrap_or_else(|| {
            pens.push(pen);
            pens.len() - 1
        })
    };
    let mut grouped: Vec<(usize, (u16, u16, &Cell))> = cells.iter().map(|&c| (group(&mut pens, c.2), c)).collect();
    grouped.sort_by_key(|(g, _)| *g);
    let grouped: Vec<(u16, u16, &Cell)> = grouped.into_iter().map(|(_, c)| c).collect();
    if estimate(&grouped, cursor, pen) < estimate(cells, cursor, pen) {
        cells.copy_from_slice(&grouped);
    }
}

/// Bytes to send `cells` in this order: moves, colour changes and text.
fn estimate(cells: &[(u16, u16, &Cell)], mut cursor: Cursor, mut pen: Pen) -> usize {
    let mut scratch = Vec::with_capacity(16);
    let mut total = 0;
    for &(x, y, cell) in cells {
        scratch.clear();
        cursor::write_move(&mut scratch, cursor, Position::new(x, y));
        total += scratch.len() + cell.symbol().len();
        let next = super::pen_of(cell);
        if next != pen {
            total += PEN_CHANGE;
            pen = next;
        }
        cursor = Cursor::At(Position::new(x.saturating_add(1), y));
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Size;
    use ratatui::style::Color;

    fn cell(symbol: &str, fg: Color) -> Cell {
        let mut cell = Cell::default();
        cell.set_symbol(symbol);
        cell.fg = fg;
        cell
    }

    fn known(width: u16, height: u16) -> Shadow {
        let mut shadow = Shadow::default();
        shadow.fit(Size::new(width, height));
        shadow.cleared();
        shadow
    }

    #[test]
    fn a_column_of_digits_in_two_colours_is_sent_colour_by_colour() {
        let (green, yellow) = (cell("1", Color::Green), cell("2", Color::Yellow));
        let mut cells: Vec<(u16, u16, &Cell)> = (0..10).flat_map(|y| [(22, y, &green), (40, y, &yellow)]).collect();
        by_style(&mut cells, &known(80, 10), Cursor::Unknown, Pen::default());
        let columns: Vec<u16> = cells.iter().map(|c| c.0).collect();
        assert_eq!(columns, [[22; 10], [40; 10]].concat());
    }

    #[test]
    fn a_full_paint_stays_row_by_row() {
        let (a, b) = (cell("a", Color::Green), cell("b", Color::Yellow));
        let mut cells: Vec<(u16, u16, &Cell)> = (0..30)
            .flat_map(|y| (0..80).map(move |x| (x, y)))
            .map(|(x, y)| (x, y, if x % 2 == 0 { &a } else { &b }))
            .collect();
        let before = cells.clone();
        by_style(&mut cells, &known(80, 30), Cursor::Unknown, Pen::default());
        assert_eq!(cells, before);
    }

    #[test]
    fn cells_over_a_wide_character_keep_their_order() {
        let (green, yellow) = (cell("1", Color::Green), cell("2", Color::Yellow));
        // One frame over the left half of a wide character, one over its right half.
        for at in [22, 39] {
            let mut shadow = known(80, 10);
            shadow.printed(at, 3, &cell("モ", Color::Reset), 2);
            let mut cells: Vec<(u16, u16, &Cell)> = (0..10).flat_map(|y| [(22, y, &green), (40, y, &yellow)]).collect();
            let before = cells.clone();
            by_style(&mut cells, &shadow, Cursor::Unknown, Pen::default());
            assert_eq!(cells, before, "a wide character at {at}");
        }
    }
}
