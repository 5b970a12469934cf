//! Verify's check of a folder's schema files, rendered from the stairway's database at head.

use postgres::Client;

use super::{Verifier, VerifyError};
use crate::report::{CheckResult, StepStatus};
use crate::schema_files::render_files;
use crate::snapshot::{ColumnOrder, SchemaSnapshot};
use migrations_snapshot::server_major;

impl Verifier<'_> {
    /// The check, when the folder has schema files; `deployed` is the snapshot of `client`'s
    /// database at head with the repeatables applied (`deployed_ok` when that worked), `empty` a
    /// fresh database's.
    pub(super) fn schema_files_check(
        &mut self,
        client: &mut Client,
        deployed: &SchemaSnapshot,
        empty: &SchemaSnapshot,
        deployed_ok: bool,
    ) -> Result<Option<CheckResult>, VerifyError> {
        let Some(committed) = &self.options.schema_files else {
            return Ok(None);
        };
        let skipped = |reason: &str| CheckResult {
            check: committed.check_name(),
            status: StepStatus::Skipped,
            diff: Vec::new(),
            error: Some(format!("not run: {reason}")),
            findings: Vec::new(),
        };
        if !deployed_ok {
            return Ok(Some(skipped("the upgrade to head failed")));
        }
        // The files hold the columns in their order.
        if self.options.column_order != ColumnOrder::Exact {
            return Ok(Some(skipped("--column-order ignore")));
        }
        // The files are one major's rendering (extension versions and privilege letters differ
        // between majors): on another major, the revisions are verified but the files are not.
        let run_on = format!("PostgreSQL {}", server_major(client)?);
        if let Some(rendered_on) = committed.rendered_on()
            && rendered_on != run_on
        {
            let mut check = CheckResult::new(&format!(
                "{} (not compared: they are {rendered_on}'s rendering, this run is on {run_on})",
                committed.check_name()
            ));
            check.status = StepStatus::Ok;
            return Ok(Some(check));
        }
        let rendered = render_files(client, deployed, empty, self.set, &self.options.history)?;
        Ok(Some(committed.check(&rendered)))
    }
}
