//! The debuggee's threads as the tracer sees them: which run, which step, which are on their way out, and which
//! signal each receives when it runs again. The process's main thread (the leader) is always listed first.

#[derive(Debug, Clone)]
pub(crate) struct Thread {
    pub tid: i32,
    /// Resumed, and no stop reported since.
    pub running: bool,
    /// Resumed with PTRACE_SINGLESTEP.
    pub stepping: bool,
    /// Where the step started.
    pub step_from: u64,
    /// Reported PTRACE_EVENT_EXIT: once resumed it only dies, so it is neither interrupted nor waited for.
    pub exiting: bool,
    /// The exit status PTRACE_EVENT_EXIT gave (as a thread exit code): the status of its later reaping is the whole
    /// process's once the process has ended, whatever the thread's own was.
    pub exit_code: Option<i64>,
    /// The signal it receives when it is next resumed (an exception the engine did not handle).
    pub inject: Option<i32>,
    /// Stopped at a vfork event: resumed, it would wait in the kernel until the child lets go of the memory.
    pub vforking: bool,
}

#[derive(Debug, Default)]
pub(crate) struct Threads {
    list: Vec<Thread>,
}

impl Threads {
    /// Add a thread (the leader `pid` goes first).
    pub fn add(&mut self, pid: i32, tid: i32, running: bool) {
        if self.get(tid).is_some() {
            return;
        }
        let thread = Thread {
            tid,
            running,
            stepping: false,
            step_from: 0,
            exiting: false,
            exit_code: None,
            inject: None,
            vforking: false,
        };
        if tid == pid {
            self.list.insert(0, thread);
        } else {
            self.list.push(thread);
        }
    }

    pub fn get(&self, tid: i32) -> Option<&Thread> {
        self.list.iter().find(|t| t.tid == tid)
    }

    pub fn get_mut(&mut self, tid: i32) -> Option<&mut Thread> {
        self.list.iter_mut().find(|t| t.tid == tid)
    }

    /// Forget a thread; whether it was known.
    pub fn remove(&mut self, tid: i32) -> bool {
        let before = self.list.len();
        self.list.retain(|t| t.tid != tid);
        self.list.len() != before
    }

    pub fn clear(&mut self) {
        self.list.clear();
    }

    pub fn iter(&self) -> impl Iterator<Item = &Thread> {
        self.list.iter()
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Thread> {
        self.list.iter_mut()
    }

    /// Whether any thread runs (including threads running to their death).
    pub fn any_running(&self) -> bool {
        self.list.iter().any(|t| t.running)
    }

    /// Whether any thread runs that must be stopped for all-stop.
    pub fn any_running_live(&self) -> bool {
        self.list.iter().any(|t| t.running && !t.exiting)
    }

    /// The threads that still exist for the user: everything but threads already running to their death.
    pub fn live(&self) -> impl Iterator<Item = &Thread> {
        self.list.iter().filter(|t| !(t.exiting && t.running))
    }
}
