//! What a snapshot leaves out or relaxes.

/// Options of [`SchemaSnapshot::capture`](crate::SchemaSnapshot::capture).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SnapshotOptions {
    /// Tables left out with everything that belongs to them (columns, indexes, constraints, owned
    /// sequences, triggers, policies): the history tables. Qualified as `schema.table` with the names
    /// as stored (no quoting); a name without a schema means `public.name`. The schema of such a
    /// table, unless `public`, is left out too while nothing else captured lives in it.
    pub excluded_tables: Vec<String>,
    /// Whether the order of the columns of a table counts.
    pub column_order: ColumnOrder,
}

/// Whether column order is part of a table's definition.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ColumnOrder {
    /// A column re-added at the end of a table is a difference: `SELECT *`, `COPY` and `INSERT`
    /// without a column list see the new order.
    #[default]
    Exact,
    /// Only the set of columns and their definitions count.
    Ignore,
}

impl SnapshotOptions {
    /// The excluded tables split into (schema, table) pairs.
    pub(crate) fn excluded_table_names(&self) -> (Vec<&str>, Vec<&str>) {
        self.excluded_tables
            .iter()
            .map(|qualified| qualified.split_once('.').unwrap_or(("public", qualified)))
            .unzip()
    }
}
