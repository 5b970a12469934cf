//! The commands that change nothing: where the database stands, its history, and the script a
//! command would run.

use migrations_core::history::HistoryTable;
use migrations_core::plan::{self, Plan, repeatables_to_run};
use migrations_core::script::Script;
use migrations_core::{Command, RevisionSet, Target};

use super::lock::lock_holder;
use super::state::{checksum_of, read_state};
use crate::error::Error;
use crate::report::{Current, History, HistoryEntry, RepeatableState};
use crate::session::Session;
use crate::settings::Settings;

pub(crate) async fn current<S: Session>(
    settings: &Settings,
    session: &mut S,
) -> Result<Current, Error> {
    let set = &settings.revisions;
    let state = read_state(session, &settings.history).await?;
    let (applied, problems) = match plan::applied_position(set, &state.applied) {
        Ok(position) => (position, Vec::new()),
        Err(errors) => {
            let known = state
                .applied
                .iter()
                .filter(|row| set.get(row.id).is_some())
                .count();
            (known, errors.0.iter().map(ToString::to_string).collect())
        }
    };
    let revision = applied
        .checked_sub(1)
        .map(|i| set.revisions()[i].name().to_owned());
    let key = settings.history.lock_key();
    let repeatables_to_run_at_head = repeatables_to_run(set, set.revisions().len(), |name| {
        checksum_of(&state.repeatables, name)
    })
    .iter()
    .map(|r| r.name().to_owned())
    .collect();
    Ok(Current {
        revision,
        applied,
        pending: set.revisions().len() - applied,
        repeatables_to_run_at_head,
        head: set.head().map_or_else(String::new, |h| h.name().to_owned()),
        problems,
        dirty: state.dirty,
        lock_key: key,
        lock_holder: lock_holder(session, key).await,
    })
}

pub(crate) async fn history<S: Session>(
    settings: &Settings,
    session: &mut S,
) -> Result<History, Error> {
    let set = &settings.revisions;
    let state = read_state(session, &settings.history).await?;
    let mut entries: Vec<HistoryEntry> = set
        .revisions()
        .iter()
        .map(|revision| HistoryEntry {
            name: revision.name().to_owned(),
            message: revision.message().map(str::to_owned),
            applied_on: state
                .applied
                .iter()
                .find(|row| row.id == revision.id())
                .map(|row| row.applied_on.clone()),
            transactional: revision.is_transactional(),
            known: true,
            repeatable: None,
        })
        .collect();
    for row in state.applied.iter().filter(|row| set.get(row.id).is_none()) {
        entries.push(HistoryEntry {
            name: format!("{}_{}", row.id, row.name),
            message: None,
            applied_on: Some(row.applied_on.clone()),
            transactional: true,
            known: false,
            repeatable: None,
        });
    }
    let position = plan::applied_position(set, &state.applied).unwrap_or(0);
    for repeatable in set.repeatables() {
        let recorded = state
            .repeatables
            .iter()
            .find(|r| r.name == repeatable.name());
        let ready = plan::required_revision(set, repeatable)
            .and_then(|id| set.position(id))
            .is_some_and(|p| p < position);
        let repeatable_state = match recorded {
            _ if !ready => RepeatableState::Waiting,
            None => RepeatableState::NeverApplied,
            Some(r) if r.checksum == repeatable.checksum() => RepeatableState::UpToDate,
            Some(_) => RepeatableState::Changed,
        };
        entries.push(HistoryEntry {
            name: format!("repeatable/{}", repeatable.name()),
            message: repeatable.message().map(str::to_owned),
            // When it last ran, also for a changed one (it ran with an older text then).
            applied_on: recorded.filter(|_| ready).map(|r| r.applied_on.clone()),
            transactional: true,
            known: true,
            repeatable: Some(repeatable_state),
        });
    }
    Ok(History { entries })
}

/// The script an upgrade or downgrade from the database's current state would run.
pub(crate) async fn render_from_database<S: Session>(
    settings: &Settings,
    session: &mut S,
    command: Command,
    target: &Target,
) -> Result<String, Error> {
    let state = read_state(session, &settings.history).await?;
    let current = plan::applied_position(&settings.revisions, &state.applied)?;
    render(settings, &state.history, current, command, target, |name| {
        checksum_of(&state.repeatables, name)
    })
}

/// The script of a command from `from` applied revisions, given the repeatables' recorded checksums.
pub(crate) fn render(
    settings: &Settings,
    history: &HistoryTable,
    from: usize,
    command: Command,
    target: &Target,
    recorded: impl Fn(&str) -> Option<u64>,
) -> Result<String, Error> {
    let set: &RevisionSet = &settings.revisions;
    let plan = Plan::new(set, from, command, target)?;
    let repeatables = if command == Command::Upgrade {
        repeatables_to_run(set, plan.to, recorded)
    } else {
        Vec::new()
    };
    Ok(Script::render(set, &plan, history, &settings.envelope, &repeatables).to_string())
}
