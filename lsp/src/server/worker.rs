//! The evaluation worker: one dedicated thread that runs everything that evaluates CUE
//! (definition checks, Application checks, previews). Evaluation is synchronous and its values are `!Send`, so
//! `Evaluation` objects live and die on this thread; only plain results leave it.
//!
//! Checks are keyed by document: a newer version replaces a pending one (superseded work
//! never starts), and a check starts only after the document has been quiet for the
//! configured delay. Results of a version that is no longer current are dropped by the
//! receiver. Other tasks (previews) run first, in order. A panic in a job is caught and
//! reported; the thread lives on.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use tower_lsp_server::ls_types::Uri;

use super::check::CheckOutput;

/// A pending check of a document.
pub struct CheckJob {
    pub version: i32,
    pub text: String,
    pub due: Instant,
    pub budget_steps: u64,
    pub kind: JobKind,
}

/// What a document is checked as.
pub enum JobKind {
    /// A CUE file (a definition, a file of an addon, or plain CUE), with its path on
    /// disk when it has one (an addon's other files are read from there).
    Cue(Option<std::path::PathBuf>),
    /// Application YAML, against the workspace's definitions (read when the check starts).
    Application(super::workspace::Workspace),
}

type Task = Box<dyn FnOnce() + Send>;

/// Called on the worker thread with each check's outcome.
pub type OnCheck = Box<dyn Fn(Uri, i32, Result<CheckOutput, String>, Duration) + Send + Sync>;

#[derive(Default)]
struct Queue {
    checks: HashMap<Uri, CheckJob>,
    tasks: VecDeque<Task>,
    shutdown: bool,
}

#[derive(Clone)]
pub struct Worker {
    inner: Arc<(Mutex<Queue>, Condvar)>,
}

enum Next {
    Check(Uri, CheckJob),
    Task(Task),
}

impl Worker {
    pub fn spawn(on_check: OnCheck) -> Worker {
        let worker = Worker {
            inner: Arc::new((Mutex::new(Queue::default()), Condvar::new())),
        };
        let inner = worker.inner.clone();
        std::thread::Builder::new()
            .name("xdef-eval".into())
            .stack_size(64 << 20)
            .spawn(move || run(inner, on_check))
            .expect("spawning the evaluation thread");
        worker
    }

    /// Schedules (or replaces) the check of a document.
    pub fn schedule_check(&self, uri: Uri, job: CheckJob) {
        let (lock, cv) = &*self.inner;
        let mut q = lock.lock().unwrap_or_else(|e| e.into_inner());
        q.checks.insert(uri, job);
        cv.notify_one();
    }

    /// Forgets a pending check (the document was closed).
    pub fn cancel_check(&self, uri: &Uri) {
        let (lock, _) = &*self.inner;
        let mut q = lock.lock().unwrap_or_else(|e| e.into_inner());
        q.checks.remove(uri);
    }

    /// Runs a task on the evaluation thread, before any pending check.
    pub fn run_task(&self, task: impl FnOnce() + Send + 'static) {
        let (lock, cv) = &*self.inner;
        let mut q = lock.lock().unwrap_or_else(|e| e.into_inner());
        q.tasks.push_back(Box::new(task));
        cv.notify_one();
    }

    pub fn shutdown(&self) {
        let (lock, cv) = &*self.inner;
        let mut q = lock.lock().unwrap_or_else(|e| e.into_inner());
        q.shutdown = true;
        cv.notify_all();
    }
}

fn run(inner: Arc<(Mutex<Queue>, Condvar)>, on_check: OnCheck) {
    let (lock, cv) = &*inner;
    loop {
        let next = {
            let mut q = lock.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                if q.shutdown {
                    // Dropping the tasks drops their reply channels: waiting requests
                    // answer with an error instead of waiting forever.
                    q.tasks.clear();
                    q.checks.clear();
                    return;
                }
                if let Some(t) = q.tasks.pop_front() {
                    break Next::Task(t);
                }
                let now = Instant::now();
                let earliest = q
                    .checks
                    .iter()
                    .min_by_key(|(_, j)| j.due)
                    .map(|(u, j)| (u.clone(), j.due));
                match earliest {
                    Some((uri, due)) if due <= now => {
                        let job = q.checks.remove(&uri).expect("present");
                        break Next::Check(uri, job);
                    }
                    Some((_, due)) => {
                        q = cv
                            .wait_timeout(q, due - now)
                            .unwrap_or_else(|e| e.into_inner())
                            .0;
                    }
                    None => q = cv.wait(q).unwrap_or_else(|e| e.into_inner()),
                }
            }
        };
        match next {
            Next::Task(task) => {
                // Tasks report their own failures through their reply channel, which a
                // panic drops: the requester then answers with an error.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(task));
            }
            Next::Check(uri, job) => {
                let started = Instant::now();
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match &job
                    .kind
                {
                    JobKind::Cue(path) => {
                        super::check::check_document(&job.text, path.as_deref(), job.budget_steps)
                    }
                    JobKind::Application(workspace) => {
                        super::application::check(&job.text, workspace, job.budget_steps)
                    }
                }))
                .map_err(|p| super::panic_message(&p));
                on_check(uri, job.version, result, started.elapsed());
            }
        }
    }
}
