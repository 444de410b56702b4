//! The reference server (`scimspec serve`) on its own thread, for tests that
//! drive the scimspec binary against it.

use scimspec::server::faults::{Fault, FaultSet};
use scimspec::server::{ServerConfig, start};

pub const TOKEN: &str = "reference-token-5e1b";

pub struct Reference {
    pub base_url: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Reference {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

pub fn spawn(faults: &[Fault]) -> Reference {
    let mut config = ServerConfig::local(TOKEN.to_string());
    config.faults = FaultSet::new(faults.iter().copied());
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (shutdown, signal) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let server = start(config).await.expect("reference server starts");
            let _ = ready_tx.send(server.base_url.clone());
            let _ = signal.await;
            server.stop().await;
        });
    });
    let base_url = ready_rx.recv().expect("server address");
    Reference {
        base_url,
        shutdown: Some(shutdown),
        thread: Some(thread),
    }
}
