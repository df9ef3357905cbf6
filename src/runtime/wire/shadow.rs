//! What the terminal shows, cell by cell, as far as the bytes written tell: a cell ratatui
//! reports as changed but that already looks the same (a blank whose unseen foreground
//! changed, a cell drawn back to what it was) need not be sent again.

use ratatui::buffer::Cell;
use ratatui::layout::Size;
use ratatui::style::{Color, Modifier};

/// Attributes that show on a blank: with any of them a space is not plain.
const VISIBLE_ON_BLANK: Modifier = Modifier::REVERSED.union(Modifier::UNDERLINED).union(Modifier::CROSSED_OUT);

/// A space whose only visible part is its background: its foreground, bold, italic … do
/// not show.
pub fn is_plain_blank(cell: &Cell) -> bool {
    cell.symbol() == " " && !cell.modifier.intersects(VISIBLE_ON_BLANK)
}

/// How a cell looks: plain blanks keep only their background.
pub fn look(cell: &Cell) -> Cell {
    if is_plain_blank(cell) {
        let mut blank = Cell::default();
        blank.bg = cell.bg;
        blank
    } else {
        let mut shown = Cell::default();
        shown.set_symbol(cell.symbol());
        shown.fg = cell.fg;
        shown.bg = cell.bg;
        shown.underline_color = cell.underline_color;
        shown.modifier = cell.modifier;
        shown
    }
}

/// Whether `cell` looks like `shown`, a cell as [`look`] keeps it: `*shown == look(cell)`
/// without building the look.
pub fn looks_like(shown: &Cell, cell: &Cell) -> bool {
    if is_plain_blank(cell) {
        shown.symbol() == " "
            && shown.bg == cell.bg
            && shown.fg == Color::Reset
            && shown.underline_color == Color::Reset
            && shown.modifier.is_empty()
    } else {
        shown.symbol() == cell.symbol()
            && shown.fg == cell.fg
            && shown.bg == cell.bg
            && shown.underline_color == cell.underline_color
            && shown.modifier == cell.modifier
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Known {
    /// Nothing known: the cell is always sent.
    Unknown,
    Shows(Cell),
    /// The right half of a wide character that starts in the cell before.
    Covered,
}

#[derive(Debug, Default)]
pub struct Shadow {
    size: Size,
    cells: Vec<Known>,
}

impl Shadow {
    /// Forgets everything unless the size is still `size`.
    pub fn fit(&mut self, size: Size) {
        if size != self.size {
            self.size = size;
            self.forget();
        }
    }

    pub fn forget(&mut self) {
        self.cells = vec![Known::Unknown; self.len()];
    }

    /// After a full clear with the plain pen: every cell a default blank.
    pub fn cleared(&mut self) {
        self.cells = vec![Known::Shows(Cell::default()); self.len()];
    }

    fn len(&self) -> usize {
        usize::from(self.size.width) * usize::from(self.size.height)
    }

    fn index(&self, x: u16, y: u16) -> Option<usize> {
        (x < self.size.width && y < self.size.height)
            .then(|| usize::from(y) * usize::from(self.size.width) + usize::from(x))
    }

    /// Whether the terminal already shows `cell` at (x, y).
    pub fn shows(&self, x: u16, y: u16, cell: &Cell) -> bool {
        self.index(x, y).is_some_and(|i| self.cells[i] == Known::Shows(look(cell)))
    }

    /// `cell`, `width` columns wide, was printed at (x, y).
    pub fn printed(&mut self, x: u16, y: u16, cell: &Cell, width: u16) {
        self.overwrite(x, y, width.max(1));
        let Some(i) = self.index(x, y) else { return };
        self.cells[i] = if matches!(width, 1 | 2) { Known::Shows(look(cell)) } else { Known::Unknown };
        if width == 2
            && let Some(right) = self.index(x.saturating_add(1), y)
        {
            self.cells[right] = Known::Covered;
        }
    }

    /// How (x, y) looks, when that is known and it is not half of a wide character.
    pub fn known(&self, x: u16, y: u16) -> Option<&Cell> {
        match self.index(x, y).map(|i| &self.cells[i]) {
            Some(Known::Shows(cell)) => Some(cell),
            _ => None,
        }
    }

    /// Whether (x, y) is the right half of a wide character.
    pub fn covered(&self, x: u16, y: u16) -> bool {
        self.index(x, y).is_some_and(|i| self.cells[i] == Known::Covered)
    }

    /// `count` characters were deleted at (x, y) (`ESC[nP`): the rest of the row moved
    /// left, and the cells that came in at its end are blanks in a colour not tracked.
    pub fn deleted(&mut self, x: u16, y: u16, count: u16) {
        let (Some(start), Some(row_end)) =
            (self.index(x, y), self.index(0, y).map(|i| i + usize::from(self.size.width)))
        else {
            return;
        };
        let count = usize::from(count).min(row_end - start);
        self.cells[start..row_end].rotate_left(count);
        self.cells[row_end - count..row_end].fill(Known::Unknown);
    }

    /// Rows `top..=bottom` moved by `by` rows (down when positive) inside a scroll region:
    /// the rows uncovered are blanks in a colour not tracked.
    pub fn moved(&mut self, top: u16, bottom: u16, by: i16) {
        let width = usize::from(self.size.width);
        let (top, bottom) =
            (usize::from(top), usize::from(bottom).min(usize::from(self.size.height).saturating_sub(1)));
        if top > bottom {
            return;
        }
        let region = &mut self.cells[top * width..(bottom + 1) * width];
        let shift = (usize::from(by.unsigned_abs()) * width).min(region.len());
        let len = region.len();
        if by > 0 {
            region.rotate_right(shift);
            region[..shift].fill(Known::Unknown);
        } else {
            region.rotate_left(shift);
            region[len - shift..].fill(Known::Unknown);
        }
    }

    /// `count` cells from (x, y) were erased with the default background.
    pub fn erased(&mut self, x: u16, y: u16, count: u16) {
        self.overwrite(x, y, count);
        for column in x..x.saturating_add(count).min(self.size.width) {
            if let Some(i) = self.index(column, y) {
                self.cells[i] = Known::Shows(Cell::default());
            }
        }
    }

    /// Cells `x..x + count` are about to be replaced: a wide character cut in half at
    /// either edge leaves its other half in a state terminals disagree on.
    fn overwrite(&mut self, x: u16, y: u16, count: u16) {
        if let Some(i) = self.index(x, y)
            && self.cells[i] == Known::Covered
            && let Some(left) = x.checked_sub(1).and_then(|l| self.index(l, y))
        {
            self.cells[left] = Known::Unknown;
        }
        if let Some(end) = self.index(x.saturating_add(count), y)
            && self.cells[end] == Known::Covered
        {
            self.cells[end] = Known::Unknown;
        }
    }
}

/// The background a run of plain blanks is erased with: only the default one, because
/// terminals without "background colour erase" would ignore any other.
pub fn erases_plainly(cell: &Cell) -> bool {
    is_plain_blank(cell) && cell.bg == Color::Reset
}

/// A row of plain cells showing `text`, one character a cell (for the planners' tests).
#[cfg(test)]
pub fn row(text: &str) -> Vec<Cell> {
    text.chars()
        .map(|c| {
            let mut cell = Cell::default();
            cell.set_char(c);
            cell
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(symbol: &str, fg: Color, bg: Color) -> Cell {
        let mut cell = Cell::default();
        cell.set_symbol(symbol);
        cell.fg = fg;
        cell.bg = bg;
        cell
    }

    fn cleared() -> Shadow {
        let mut shadow = Shadow::default();
        shadow.fit(Size::new(10, 2));
        shadow.cleared();
        shadow
    }

    #[test]
    fn a_blank_shows_only_its_background() {
        let shadow = cleared();
        assert!(shadow.shows(3, 1, &cell(" ", Color::Red, Color::Reset)));
        assert!(!shadow.shows(3, 1, &cell(" ", Color::Red, Color::Blue)));
        let mut underlined = cell(" ", Color::Red, Color::Reset);
        underlined.modifier = Modifier::UNDERLINED;
        assert!(!shadow.shows(3, 1, &underlined));
    }

    #[test]
    fn looking_like_is_comparing_looks() {
        let mut bold_blank = cell(" ", Color::Red, Color::Blue);
        bold_blank.modifier = Modifier::BOLD;
        let cells =
            [cell("a", Color::Red, Color::Reset), cell(" ", Color::Green, Color::Blue), bold_blank, Cell::default()];
        for shown in cells.iter().map(look) {
            for cell in &cells {
                assert_eq!(looks_like(&shown, cell), shown == look(cell), "{shown:?} {cell:?}");
            }
        }
    }

    #[test]
    fn a_printed_cell_is_remembered_with_its_style() {
        let mut shadow = cleared();
        shadow.printed(2, 0, &cell("a", Color::Red, Color::Reset), 1);
        assert!(shadow.shows(2, 0, &cell("a", Color::Red, Color::Reset)));
        assert!(!shadow.shows(2, 0, &cell("a", Color::Green, Color::Reset)));
    }

    #[test]
    fn cutting_a_wide_character_in_half_forgets_its_other_half() {
        let wide = cell("モ", Color::Reset, Color::Reset);
        let mut shadow = cleared();
        shadow.printed(2, 0, &wide, 2);
        assert!(shadow.shows(2, 0, &wide));
        shadow.printed(3, 0, &cell("x", Color::Reset, Color::Reset), 1);
        assert!(!shadow.shows(2, 0, &wide), "the left half may be gone");

        let mut shadow = cleared();
        shadow.printed(2, 0, &wide, 2);
        shadow.printed(2, 0, &cell("x", Color::Reset, Color::Reset), 1);
        assert!(!shadow.shows(3, 0, &cell(" ", Color::Reset, Color::Reset)), "the right half is not known");
    }

    #[test]
    fn deleting_characters_moves_the_rest_of_the_row_left() {
        let mut shadow = cleared();
        for (x, symbol) in ["a", "b", "c", "d"].into_iter().enumerate() {
            shadow.printed(x as u16 + 2, 1, &cell(symbol, Color::Red, Color::Reset), 1);
        }
        shadow.deleted(3, 1, 2);
        assert!(shadow.shows(2, 1, &cell("a", Color::Red, Color::Reset)));
        assert!(shadow.shows(3, 1, &cell("d", Color::Red, Color::Reset)));
        assert!(shadow.shows(4, 1, &Cell::default()));
        assert_eq!((shadow.known(8, 1), shadow.known(9, 1)), (None, None), "what came in at the end");
        assert!(shadow.shows(9, 0, &Cell::default()), "other rows stay");
    }

    #[test]
    fn moved_rows_carry_their_cells_and_uncover_unknown_ones() {
        let mut shadow = Shadow::default();
        shadow.fit(Size::new(2, 4));
        shadow.cleared();
        for y in 0..4 {
            shadow.printed(0, y, &cell(&y.to_string(), Color::Reset, Color::Reset), 1);
        }
        shadow.moved(1, 3, 1);
        let at = |y| shadow.known(0, y).map(|c| c.symbol().to_string());
        assert_eq!([at(0), at(1), at(2), at(3)], [Some("0".into()), None, Some("1".into()), Some("2".into())]);
        shadow.moved(0, 3, -2);
        let at = |y| shadow.known(0, y).map(|c| c.symbol().to_string());
        assert_eq!([at(0), at(1), at(2), at(3)], [Some("1".into()), Some("2".into()), None, None]);
    }

    #[test]
    fn a_new_size_forgets_the_screen() {
        let mut shadow = cleared();
        shadow.fit(Size::new(11, 2));
        assert!(!shadow.shows(0, 0, &Cell::default()));
    }
}
