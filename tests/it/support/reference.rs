//! The reference server (`scimspec serve`) on its own thread, for tests that
//! drive the scimspec binary against it.

use scimspec::server::faults::{Fault, FaultSet};
use scimspec::server::{ServerConfig, start};

use super::server_thread::ServerThread;

pub const TOKEN: &str = "reference-token-5e1b";

pub struct Reference {
    pub base_url: String,
    _server: ServerThread,
}

pub fn spawn(faults: &[Fault]) -> Reference {
    let mut config = ServerConfig::local(TOKEN.to_string());
    config.faults = FaultSet::new(faults.iter().copied());
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let server = ServerThread::spawn(move |signal| async move {
        let server = start(config).await.expect("reference server starts");
        let _ = ready_tx.send(server.base_url.clone());
        let _ = signal.await;
        server.stop().await;
    });
    let base_url = ready_rx.recv().expect("server address");
    Reference {
        base_url,
        _server: server,
    }
}
