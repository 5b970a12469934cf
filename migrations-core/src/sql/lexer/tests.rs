//! Token boundaries for the lexical forms whose edges decide where statements end.

use expect_test::{Expect, expect};

use super::{Lexer, Token};

fn check(input: &str, expected: Expect) {
    let rendered: String = Lexer::new(input)
        .map(|token: Token| {
            let unterminated = if token.unterminated {
                " (unterminated)"
            } else {
                ""
            };
            format!(
                "{:?} {:?} content {:?}{unterminated}\n",
                token.kind,
                &input[token.start..token.end],
                &input[token.content_start..token.content_end],
            )
        })
        .collect();
    expected.assert_eq(&rendered);
}

#[test]
fn string_prefixes_only_count_at_the_start_of_a_token() {
    check(
        r"E'a\'b' e'\\' thee'\' B'01' x'1F' N'n' U&'u' u&'\0061'",
        expect![[r#"
        String "E'a\\'b'" content "a\\'b"
        String "e'\\\\'" content "\\\\"
        Word "thee" content "thee"
        String "'\\'" content "\\"
        String "B'01'" content "01"
        String "x'1F'" content "1F"
        String "N'n'" content "n"
        String "U&'u'" content "u"
        String "u&'\\0061'" content "\\0061"
    "#]],
    );
}

#[test]
fn quoted_identifiers_double_their_quotes() {
    check(
        r#""a""b" U&"c" "" "x"#,
        expect![[r#"
        QuotedIdentifier "\"a\"\"b\"" content "a\"\"b"
        QuotedIdentifier "U&\"c\"" content "c"
        QuotedIdentifier "\"\"" content ""
        QuotedIdentifier "\"x" content "x" (unterminated)
    "#]],
    );
}

#[test]
fn dollar_signs_open_quotes_parameters_or_nothing() {
    check(
        "$$a$$ $t1$ $ $t1$ $1 $12a$ $ a$b$ $ab 1$$x$$ $\u{e9}$\u{e9}$\u{e9}$ $T$ $t$ $T$",
        expect![[r#"
        DollarString "$$a$$" content "a"
        DollarString "$t1$ $ $t1$" content " $ "
        Parameter "$1" content "$1"
        Parameter "$12" content "$12"
        Word "a$" content "a$"
        Other "$" content "$"
        Word "a$b$" content "a$b$"
        Other "$" content "$"
        Word "ab" content "ab"
        Number "1" content "1"
        DollarString "$$x$$" content "x"
        DollarString "$é$é$é$" content "é"
        DollarString "$T$ $t$ $T$" content " $t$ "
    "#]],
    );
}

#[test]
fn comments_nest_and_stop_operators() {
    check(
        "/* a /* b */ c */ 2*/* d */3 - -1 --e\r\n/*/ */ /**/ /* unterminated /* */",
        expect![[r#"
        BlockComment "/* a /* b */ c */" content " a /* b */ c "
        Number "2" content "2"
        Other "*" content "*"
        BlockComment "/* d */" content " d "
        Number "3" content "3"
        Other "-" content "-"
        Other "-" content "-"
        Number "1" content "1"
        LineComment "--e" content "e"
        BlockComment "/*/ */" content "/ "
        BlockComment "/**/" content ""
        BlockComment "/* unterminated /* */" content " unterminated /* */" (unterminated)
    "#]],
    );
}

#[test]
fn punctuation_and_meta_commands_are_single_tokens() {
    check(
        "(a;b) \\i 12.5_0 \u{e9}",
        expect![[r#"
        OpenParen "(" content "("
        Word "a" content "a"
        Semicolon ";" content ";"
        Word "b" content "b"
        CloseParen ")" content ")"
        Backslash "\\" content "\\"
        Word "i" content "i"
        Number "12.5_0" content "12.5_0"
        Word "é" content "é"
    "#]],
    );
}
