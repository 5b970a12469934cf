//! 1-based line numbers of byte offsets, counted incrementally so that a whole pass stays linear.

pub(crate) struct LineCounter<'a> {
    bytes: &'a [u8],
    counted_to: usize,
    line: u32,
}

impl<'a> LineCounter<'a> {
    pub fn new(text: &'a str) -> Self {
        LineCounter {
            bytes: text.as_bytes(),
            counted_to: 0,
            line: 1,
        }
    }

    /// The line of `offset`. Offsets asked in increasing order cost the bytes between them only; an
    /// earlier offset restarts the count rather than giving a wrong answer.
    pub fn line_at(&mut self, offset: usize) -> u32 {
        let offset = offset.min(self.bytes.len());
        if offset < self.counted_to {
            self.counted_to = 0;
            self.line = 1;
        }
        let newlines = self.bytes[self.counted_to..offset]
            .iter()
            .filter(|&&byte| byte == b'\n')
            .count();
        self.line = self
            .line
            .saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
        self.counted_to = offset;
        self.line
    }
}
