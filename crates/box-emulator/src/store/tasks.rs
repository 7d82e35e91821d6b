//! Tasks on files and their assignments (v2 `/tasks`, `/task_assignments`).
//!
//! Rules (Box's, as its task guides describe them):
//! - Anyone who can see a file may list its tasks; creating, changing and
//!   deleting a task needs write access (editor or owner) to the file.
//! - A task is assigned to users who can see the file; only the assignee
//!   resolves an assignment: `review` tasks take `approved`, `rejected` or
//!   `incomplete`, `complete` tasks take `completed` or `incomplete`.
//! - A task is completed when every assignment (`all_assignees`) or any
//!   (`any_assignee`) is resolved.
//! - The task's creator or anyone with write access deletes assignments.
//! - Tasks go with their file when it is purged; while it is in the trash
//!   they are not found.
//!
//! Changes record `TASK_CREATE`, `TASK_UPDATE` and
//! `TASK_ASSIGNMENT_CREATE/UPDATE/DELETE` events for the file's watchers.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{need_write, EventSource, Kind, State, StoreError, StoreResult, Table, Tx};

/// Longest task or assignment message accepted, in characters.
pub const MAX_MESSAGE_CHARS: usize = 10_000;

/// What an assignee is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskAction {
    /// Approve or reject.
    Review,
    /// Mark done.
    Complete,
}

impl TaskAction {
    /// Box's name.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskAction::Review => "review",
            TaskAction::Complete => "complete",
        }
    }

    /// Parses Box's name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "review" => Some(TaskAction::Review),
            "complete" => Some(TaskAction::Complete),
            _ => None,
        }
    }

    /// The resolution states an assignment of this action may take.
    pub fn states(self) -> &'static [&'static str] {
        match self {
            TaskAction::Review => &["incomplete", "approved", "rejected"],
            TaskAction::Complete => &["incomplete", "completed"],
        }
    }
}

/// A task on a file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Task {
    /// Store-wide numeric id.
    pub id: u64,
    /// The file.
    pub item: u64,
    /// Review or complete.
    pub action: TaskAction,
    /// Message shown to assignees.
    pub message: String,
    /// Due date.
    pub due_at: Option<DateTime<Utc>>,
    /// `true`: any one assignee completes the task (`any_assignee`);
    /// `false`: all must (`all_assignees`).
    pub any_assignee: bool,
    /// Creator.
    pub created_by: u64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// A task assigned to a user.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TaskAssignment {
    /// Store-wide numeric id.
    pub id: u64,
    /// The task.
    pub task: u64,
    /// The file (the task's).
    pub item: u64,
    /// The assignee.
    pub user: u64,
    /// Who assigned it.
    pub assigned_by: u64,
    /// When.
    pub assigned_at: DateTime<Utc>,
    /// `incomplete`, `completed`, `approved` or `rejected`.
    pub resolution_state: String,
    /// The assignee's message.
    pub message: String,
    /// When it was resolved (`None` while incomplete).
    pub completed_at: Option<DateTime<Utc>>,
}

/// Changes to a task (`PUT /tasks/{id}`).
#[derive(Debug, Clone, Default)]
pub struct TaskUpdate {
    /// New action.
    pub action: Option<TaskAction>,
    /// New message.
    pub message: Option<String>,
    /// `Some(None)` clears the due date.
    pub due_at: Option<Option<DateTime<Utc>>>,
    /// New completion rule.
    pub any_assignee: Option<bool>,
}

fn check_message(m: &str) -> StoreResult<()> {
    if m.chars().count() > MAX_MESSAGE_CHARS {
        return Err(StoreError::BadRequest(
            "bad_request",
            format!("A message may have at most {MAX_MESSAGE_CHARS} characters"),
        ));
    }
    Ok(())
}

impl State {
    /// A task on a live file the caller can see.
    pub fn visible_task(&self, user: u64, wire_id: &str) -> StoreResult<&Task> {
        let id: u64 = wire_id.trim().parse().map_err(|_| StoreError::NotFound)?;
        let t = self.tasks.get(&id).ok_or(StoreError::NotFound)?;
        if self.in_trash(t.item) || self.role(user, t.item).is_none() {
            return Err(StoreError::NotFound);
        }
        Ok(t)
    }

    /// An assignment of a task on a live file the caller can see.
    pub fn visible_assignment(&self, user: u64, wire_id: &str) -> StoreResult<&TaskAssignment> {
        let id: u64 = wire_id.trim().parse().map_err(|_| StoreError::NotFound)?;
        let a = self.task_assignments.get(&id).ok_or(StoreError::NotFound)?;
        if self.in_trash(a.item) || self.role(user, a.item).is_none() {
            return Err(StoreError::NotFound);
        }
        Ok(a)
    }

    /// The tasks on a file the caller can see, oldest first.
    pub fn tasks_on(&self, user: u64, wire_id: &str) -> StoreResult<Vec<&Task>> {
        let (file, _) = self.resolve(user, wire_id, Kind::File)?;
        Ok(self.tasks.values().filter(|t| t.item == file).collect())
    }

    /// A task's assignments, oldest first.
    pub fn assignments_of(&self, task: u64) -> Vec<&TaskAssignment> {
        self.task_assignments
            .values()
            .filter(|a| a.task == task)
            .collect()
    }

    /// Whether a task is completed under its completion rule (a task
    /// without assignments is not).
    pub fn task_completed(&self, task: &Task) -> bool {
        let states: Vec<bool> = self
            .assignments_of(task.id)
            .iter()
            .map(|a| a.resolution_state != "incomplete")
            .collect();
        if states.is_empty() {
            return false;
        }
        if task.any_assignee {
            states.iter().any(|s| *s)
        } else {
            states.iter().all(|s| *s)
        }
    }
}

impl Tx<'_> {
    /// Creates a task on a file (write access needed). Records `TASK_CREATE`.
    pub fn create_task(
        &mut self,
        user: u64,
        file: &str,
        action: TaskAction,
        message: &str,
        due_at: Option<DateTime<Utc>>,
        any_assignee: bool,
    ) -> StoreResult<u64> {
        let (item, role) = self.st.resolve(user, file, Kind::File)?;
        need_write(role)?;
        check_message(message)?;
        let id = self.id();
        let task = Task {
            id,
            item,
            action,
            message: message.to_string(),
            due_at,
            any_assignee,
            created_by: user,
            created_at: Utc::now(),
        };
        self.touch(Table::Task, id);
        self.st.tasks.insert(id, task.clone());
        self.event_from("TASK_CREATE", item, user, Some(EventSource::Task(task)));
        Ok(id)
    }

    /// Changes a task (write access needed). Records `TASK_UPDATE`.
    pub fn update_task(&mut self, user: u64, wire_id: &str, upd: TaskUpdate) -> StoreResult<u64> {
        let task = self.st.visible_task(user, wire_id)?;
        let (id, item) = (task.id, task.item);
        need_write(self.st.role(user, item).ok_or(StoreError::NotFound)?)?;
        if let Some(m) = &upd.message {
            check_message(m)?;
        }
        if let Some(action) = upd.action {
            // Resolutions of the old action may not fit the new one.
            let misfit = self
                .st
                .assignments_of(id)
                .iter()
                .any(|a| !action.states().contains(&a.resolution_state.as_str()));
            if misfit {
                return Err(StoreError::BadRequest(
                    "bad_request",
                    "Assignments are resolved in a way the new action does not allow".into(),
                ));
            }
        }
        self.touch(Table::Task, id);
        let t = self.st.tasks.get_mut(&id).ok_or(StoreError::NotFound)?;
        if let Some(a) = upd.action {
            t.action = a;
        }
        if let Some(m) = upd.message {
            t.message = m;
        }
        if let Some(d) = upd.due_at {
            t.due_at = d;
        }
        if let Some(any) = upd.any_assignee {
            t.any_assignee = any;
        }
        let snapshot = t.clone();
        self.event_from("TASK_UPDATE", item, user, Some(EventSource::Task(snapshot)));
        Ok(id)
    }

    /// Deletes a task and its assignments (write access needed).
    pub fn delete_task(&mut self, user: u64, wire_id: &str) -> StoreResult<()> {
        let task = self.st.visible_task(user, wire_id)?;
        let (id, item) = (task.id, task.item);
        need_write(self.st.role(user, item).ok_or(StoreError::NotFound)?)?;
        self.remove_task(id);
        Ok(())
    }

    fn remove_task(&mut self, id: u64) {
        let assignments: Vec<u64> = self.st.assignments_of(id).iter().map(|a| a.id).collect();
        for a in assignments {
            self.touch(Table::TaskAssignment, a);
            self.st.task_assignments.remove(&a);
        }
        self.touch(Table::Task, id);
        self.st.tasks.remove(&id);
    }

    /// Assigns a task to a user who can see its file (the caller needs write
    /// access, or to be the task's creator). Records `TASK_ASSIGNMENT_CREATE`.
    pub fn assign_task(&mut self, user: u64, task: &str, assignee: u64) -> StoreResult<u64> {
        let t = self.st.visible_task(user, task)?;
        let (task, item, creator) = (t.id, t.item, t.created_by);
        if creator != user {
            need_write(self.st.role(user, item).ok_or(StoreError::NotFound)?)?;
        }
        if !self.st.users.contains_key(&assignee) {
            return Err(StoreError::BadRequest(
                "bad_request",
                "assign_to must name an existing user".into(),
            ));
        }
        if self.st.role(assignee, item).is_none() {
            return Err(StoreError::Forbidden(
                "The assignee cannot access the task's file".into(),
            ));
        }
        if self
            .st
            .assignments_of(task)
            .iter()
            .any(|a| a.user == assignee)
        {
            return Err(StoreError::BadRequest(
                "conflict",
                "The task is already assigned to this user".into(),
            ));
        }
        let id = self.id();
        let a = TaskAssignment {
            id,
            task,
            item,
            user: assignee,
            assigned_by: user,
            assigned_at: Utc::now(),
            resolution_state: "incomplete".into(),
            message: String::new(),
            completed_at: None,
        };
        self.touch(Table::TaskAssignment, id);
        self.st.task_assignments.insert(id, a.clone());
        self.event_from(
            "TASK_ASSIGNMENT_CREATE",
            item,
            user,
            Some(EventSource::TaskAssignment(a)),
        );
        Ok(id)
    }

    /// Resolves (or re-opens) an assignment; only the assignee may.
    /// Records `TASK_ASSIGNMENT_UPDATE`.
    pub fn resolve_assignment(
        &mut self,
        user: u64,
        wire_id: &str,
        state: Option<&str>,
        message: Option<&str>,
    ) -> StoreResult<u64> {
        let a = self.st.visible_assignment(user, wire_id)?;
        let (id, item) = (a.id, a.item);
        if a.user != user {
            return Err(StoreError::Forbidden(
                "Only the assignee may update a task assignment".into(),
            ));
        }
        let action = self
            .st
            .tasks
            .get(&a.task)
            .ok_or(StoreError::NotFound)?
            .action;
        if let Some(s) = state {
            if !action.states().contains(&s) {
                return Err(StoreError::BadRequest(
                    "bad_request",
                    format!(
                        "resolution_state of a {} task must be one of {}",
                        action.as_str(),
                        action.states().join(", ")
                    ),
                ));
            }
        }
        if let Some(m) = message {
            check_message(m)?;
        }
        self.touch(Table::TaskAssignment, id);
        let a = self
            .st
            .task_assignments
            .get_mut(&id)
            .ok_or(StoreError::NotFound)?;
        if let Some(s) = state {
            if s != a.resolution_state {
                a.completed_at = (s != "incomplete").then(Utc::now);
            }
            a.resolution_state = s.to_string();
        }
        if let Some(m) = message {
            a.message = m.to_string();
        }
        let snapshot = a.clone();
        self.event_from(
            "TASK_ASSIGNMENT_UPDATE",
            item,
            user,
            Some(EventSource::TaskAssignment(snapshot)),
        );
        Ok(id)
    }

    /// Removes an assignment (the task's creator or anyone with write
    /// access). Records `TASK_ASSIGNMENT_DELETE`.
    pub fn unassign_task(&mut self, user: u64, wire_id: &str) -> StoreResult<()> {
        let a = self.st.visible_assignment(user, wire_id)?.clone();
        let creator = self.st.tasks.get(&a.task).map(|t| t.created_by);
        if creator != Some(user) {
            need_write(self.st.role(user, a.item).ok_or(StoreError::NotFound)?)?;
        }
        self.touch(Table::TaskAssignment, a.id);
        self.st.task_assignments.remove(&a.id);
        let item = a.item;
        self.event_from(
            "TASK_ASSIGNMENT_DELETE",
            item,
            user,
            Some(EventSource::TaskAssignment(a)),
        );
        Ok(())
    }

    /// Removes every task on an item (when it is purged).
    pub(super) fn drop_tasks_on(&mut self, item: u64) {
        let ids: Vec<u64> = self
            .st
            .tasks
            .values()
            .filter(|t| t.item == item)
            .map(|t| t.id)
            .collect();
        for id in ids {
            self.remove_task(id);
        }
    }
}
