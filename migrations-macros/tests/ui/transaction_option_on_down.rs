//! Compile error: `transaction:false` on the down marker.

migrations_runtime::embed!("tests/fixtures/transaction_option_on_down");

fn main() {}
