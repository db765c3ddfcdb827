//! The threads that sign outgoing deliveries: one per core, taking signatures one after
//! another from a shared queue.
//!
//! An RSA-2048 signature is about 0.6 ms of CPU, too long for the async runtime's core threads.
//! tokio's blocking pool would run each on a thread of its own: with dozens of deliveries in
//! flight that is dozens of threads taking turns on two cores, and the switching and waking
//! cost about a tenth of a delivery's CPU (measured with `cargo bench --bench delivery`). A
//! queue drained by as many threads as there are cores signs just as fast with few switches.

use std::panic::AssertUnwindSafe;
use std::sync::{mpsc, Arc, Mutex, OnceLock};

type Task = Box<dyn FnOnce() + Send>;

/// The queue, or `None` when no signing thread could be started.
static QUEUE: OnceLock<Option<Mutex<mpsc::Sender<Task>>>> = OnceLock::new();

fn queue() -> Option<&'static Mutex<mpsc::Sender<Task>>> {
    QUEUE
        .get_or_init(|| {
            let (tx, rx) = mpsc::channel::<Task>();
            let rx = Arc::new(Mutex::new(rx));
            let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
            let started = (0..threads)
                .filter(|i| {
                    let rx = rx.clone();
                    std::thread::Builder::new()
                        .name(format!("rookery-sign-{i}"))
                        .spawn(move || drain(&rx))
                        .is_ok()
                })
                .count();
            (started > 0).then(|| Mutex::new(tx))
        })
        .as_ref()
}

fn drain(rx: &Mutex<mpsc::Receiver<Task>>) {
    loop {
        let task = match rx.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        match task {
            // A panic is the caller's to see (its answer channel closes); the thread lives on.
            Ok(task) => drop(std::panic::catch_unwind(AssertUnwindSafe(task))),
            Err(_) => return,
        }
    }
}

/// Runs `work` on a signing thread and returns its result; `None` if it panicked.
pub async fn run<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let (answer, answered) = tokio::sync::oneshot::channel();
    let task: Task = Box::new(move || {
        let _ = answer.send(work());
    });
    // Without a signing thread (none could start), the blocking pool does the work.
    let left = match queue().map(Mutex::lock) {
        Some(Ok(tx)) => tx.send(task).err().map(|mpsc::SendError(task)| task),
        _ => Some(task),
    };
    if let Some(task) = left {
        tokio::task::spawn_blocking(task).await.ok()?;
    }
    answered.await.ok()
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn answers_and_outlives_a_panic() {
        assert_eq!(super::run(|| 6 * 7).await, Some(42));
        let panicked: Option<()> = super::run(|| panic!("a bad key")).await;
        assert_eq!(panicked, None);
        let many: Vec<_> = (0..64).map(|i| super::run(move || i * 2)).collect();
        let answers = futures_util::future::join_all(many).await;
        assert_eq!(answers, (0..64).map(|i| Some(i * 2)).collect::<Vec<_>>());
    }
}
