//! A TCP proxy the test controls, to take a database away from a running
//! server and give it back, without touching the database server itself.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Forwards `127.0.0.1:<port>` to `target` until cut.
#[derive(Debug)]
pub struct Proxy {
    port: u16,
    target: SocketAddr,
    running: Option<Running>,
}

#[derive(Debug)]
struct Running {
    accept: JoinHandle<()>,
    // Dropping the sender tells every forwarding task to close.
    _shutdown: watch::Sender<()>,
}

impl Proxy {
    /// Start forwarding from a random loopback port to `target`.
    pub async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding the proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let mut proxy = Self {
            port,
            target,
            running: None,
        };
        proxy.running = Some(proxy.serve(listener));
        proxy
    }

    /// The port to connect to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stop accepting and drop every live connection: the database is gone.
    pub fn cut(&mut self) {
        if let Some(running) = self.running.take() {
            running.accept.abort();
        }
    }

    /// Accept and forward again, on the same port.
    pub async fn restore(&mut self) {
        if self.running.is_some() {
            return;
        }
        let listener = TcpListener::bind(("127.0.0.1", self.port))
            .await
            .expect("re-binding the proxy on its port");
        self.running = Some(self.serve(listener));
    }

    fn serve(&self, listener: TcpListener) -> Running {
        let (shutdown, watcher) = watch::channel(());
        let target = self.target;
        let watcher = Arc::new(watcher);
        let accept = tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                let mut closed = (*watcher).clone();
                tokio::spawn(async move {
                    let Ok(outbound) = TcpStream::connect(target).await else {
                        return;
                    };
                    let (mut inbound, mut outbound) = (inbound, outbound);
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = closed.changed() => {}
                    }
                });
            }
        });
        Running {
            accept,
            _shutdown: shutdown,
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
    }
}
