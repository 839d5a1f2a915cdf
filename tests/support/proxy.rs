//! A TCP proxy the test controls, to take a database away from a running
//! server and give it back, without touching the database server itself.
//!
//! Two ways to take it away: [`Proxy::cut`] closes every connection and
//! refuses new ones (the database host is down, or a firewall resets), and
//! [`Proxy::black_hole`] keeps every connection open and accepts new ones
//! but forwards nothing, either way (a network partition, or a database
//! frozen: nothing is refused, nothing answers). [`Proxy::restore`] undoes
//! either; after a black hole what was held back is delivered, as TCP does
//! once a partition heals.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Whether bytes go through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Forward,
    BlackHole,
}

/// Forwards `127.0.0.1:<port>` to `target` until cut or black-holed.
#[derive(Debug)]
pub struct Proxy {
    port: u16,
    target: SocketAddr,
    mode: watch::Sender<Mode>,
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
        let (mode, _) = watch::channel(Mode::Forward);
        let mut proxy = Self {
            port,
            target,
            mode,
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

    /// Keep every connection open and accept new ones, but forward nothing
    /// until [`Self::restore`]: the database neither refuses nor answers.
    pub fn black_hole(&mut self) {
        self.mode.send_replace(Mode::BlackHole);
    }

    /// Accept and forward again, on the same port, delivering what a black
    /// hole held back.
    pub async fn restore(&mut self) {
        if self.running.is_none() {
            let listener = TcpListener::bind(("127.0.0.1", self.port))
                .await
                .expect("re-binding the proxy on its port");
            self.running = Some(self.serve(listener));
        }
        self.mode.send_replace(Mode::Forward);
    }

    fn serve(&self, listener: TcpListener) -> Running {
        let (shutdown, watcher) = watch::channel(());
        let target = self.target;
        let watcher = Arc::new(watcher);
        let mode = self.mode.subscribe();
        let accept = tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                let mut closed = (*watcher).clone();
                let mode = mode.clone();
                tokio::spawn(async move {
                    tokio::select! {
                        _ = forward(inbound, target, mode) => {}
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

/// Connect to `target` (once bytes may go through) and pump both ways.
async fn forward(inbound: TcpStream, target: SocketAddr, mut mode: watch::Receiver<Mode>) {
    if open(&mut mode).await.is_err() {
        return;
    }
    let Ok(outbound) = TcpStream::connect(target).await else {
        return;
    };
    let (inbound_read, inbound_write) = inbound.into_split();
    let (outbound_read, outbound_write) = outbound.into_split();
    tokio::join!(
        pump(inbound_read, outbound_write, mode.clone()),
        pump(outbound_read, inbound_write, mode),
    );
}

/// Copy `from` to `to`, holding each read back while the mode is a black
/// hole.
async fn pump(
    mut from: impl AsyncRead + Unpin,
    mut to: impl AsyncWrite + Unpin,
    mut mode: watch::Receiver<Mode>,
) {
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let read = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if open(&mut mode).await.is_err() || to.write_all(&buffer[..read]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

/// Wait until bytes may go through.
async fn open(mode: &mut watch::Receiver<Mode>) -> Result<(), watch::error::RecvError> {
    mode.wait_for(|m| *m == Mode::Forward).await.map(|_| ())
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
    }
}
