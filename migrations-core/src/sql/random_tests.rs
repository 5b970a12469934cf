//! Randomised inputs built from the lexer's tricky fragments: nothing panics, and splitting is
//! consistent (ordered, trimmed spans on char boundaries that split again into themselves).

use super::{find_credentials, is_blank, split_statements};

/// xorshift64*: deterministic, so a failure reproduces from the printed seed.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }
}

const FRAGMENTS: &[&str] = &[
    "'",
    "''",
    "\"",
    "\"\"",
    "$$",
    "$a$",
    "$A$",
    "$1",
    "$",
    "a$b$",
    "$é$",
    "E'",
    "e'",
    "\\",
    "\\'",
    "U&'",
    "U&\"",
    "B'",
    "--",
    "/*",
    "*/",
    "/",
    "*",
    "-",
    ";",
    ";",
    ";",
    "(",
    ")",
    " ",
    " ",
    "\n",
    "\t",
    "\r",
    "x",
    "1",
    "é",
    "日本",
    "SELECT",
    "BEGIN",
    "ATOMIC",
    "END",
    "CASE",
    "CREATE",
    "OR",
    "REPLACE",
    "FUNCTION",
    "PROCEDURE",
    "SCHEMA",
    "COPY",
    "FROM",
    "STDIN",
    "TO",
    "STDOUT",
    "PASSWORD",
    "password=",
    "://",
    "postgres://u:p@h",
    "@",
    ":",
];

fn random_sql(random: &mut Random) -> String {
    let length = random.below(24);
    (0..length)
        .map(|_| {
            if random.below(8) == 0 {
                // Any character at all, not only the fragments above.
                char::from_u32(random.below(0x11_0000) as u32)
                    .unwrap_or('\u{fffd}')
                    .to_string()
            } else {
                FRAGMENTS[random.below(FRAGMENTS.len())].to_owned()
            }
        })
        .collect()
}

#[test]
fn random_sql_never_panics_and_splits_consistently() {
    let mut random = Random(0x5eed_1234_abcd_0001);
    for case in 0..20_000 {
        let sql = random_sql(&mut random);
        let findings = find_credentials(&sql);
        assert!(
            findings.windows(2).all(|pair| pair[0].line <= pair[1].line),
            "case {case}: {sql:?}"
        );
        let blank = is_blank(&sql);
        let Ok(statements) = split_statements(&sql) else {
            continue;
        };
        assert_eq!(
            blank,
            statements.is_empty(),
            "case {case}: is_blank disagrees for {sql:?}"
        );
        let mut previous_end = 0;
        let mut texts = Vec::new();
        for statement in &statements {
            let (start, end) = (statement.start as usize, statement.end as usize);
            assert!(
                previous_end <= start && start < end && end <= sql.len(),
                "case {case}: {sql:?}"
            );
            assert!(
                sql.is_char_boundary(start) && sql.is_char_boundary(end),
                "case {case}: {sql:?}"
            );
            let text = &sql[start..end];
            assert_eq!(
                text,
                text.trim_matches([' ', '\n', '\t', '\r']),
                "case {case}: {sql:?}"
            );
            assert_eq!(
                statement.line as usize,
                1 + sql[..start].matches('\n').count(),
                "case {case}: {sql:?}"
            );
            previous_end = end;
            texts.push(text);
        }
        let joined = texts.join(";");
        let again = split_statements(&joined)
            .unwrap_or_else(|error| panic!("case {case}: {joined:?}: {error}"));
        let again: Vec<&str> = again
            .iter()
            .map(|statement| statement.text(&joined))
            .collect();
        assert_eq!(again, texts, "case {case}: re-splitting {sql:?}");
    }
}
