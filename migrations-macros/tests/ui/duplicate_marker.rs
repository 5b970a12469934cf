//! Compile error: an up marker written twice.

