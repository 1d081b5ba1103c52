//! A TCP proxy between desks and head office that cuts, stalls or refuses connections, and
//! spreads them over several head-office processes as a load balancer would.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::time::Duration;

/// A TCP proxy between the clients and head office that can cut or stall connections. With
/// several head-office processes it takes each in turn, and the next when one does not answer.
#[derive(Debug)]
pub struct Proxy {
    pub port: u16,
    mode: Arc<AtomicU8>,
}

pub const PASS: u8 = 0;
/// Forward the request, then cut the answer after a few bytes (the server has done the work).
pub const CUT_ANSWER: u8 = 1;
/// Hold every connection for two seconds before forwarding.
pub const STALL: u8 = 2;
/// Close every new connection at once, as a network that is down.
pub const DOWN: u8 = 3;

impl Proxy {
    pub fn start(upstreams: Vec<u16>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let port = listener.local_addr().expect("addr").port();
        let mode = Arc::new(AtomicU8::new(PASS));
        let m = Arc::clone(&mode);
        let turn = AtomicUsize::new(0);
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let mode = m.load(Ordering::SeqCst);
                let first = turn.fetch_add(1, Ordering::SeqCst);
                let order: Vec<u16> = (0..upstreams.len()).map(|i| upstreams[(first + i) % upstreams.len()]).collect();
                std::thread::spawn(move || relay(client, &order, mode));
            }
        });
        Self { port, mode }
    }

    pub fn set(&self, mode: u8) {
        self.mode.store(mode, Ordering::SeqCst);
    }
}

fn relay(client: TcpStream, upstreams: &[u16], mode: u8) {
    if mode == DOWN {
        let _ = client.shutdown(Shutdown::Both);
        return;
    }
    if mode == STALL {
        std::thread::sleep(Duration::from_secs(2));
    }
    let Some(server) = upstreams.iter().find_map(|port| TcpStream::connect(("127.0.0.1", *port)).ok()) else {
        return;
    };
    let (mut c_read, mut s_write) = (client.try_clone().expect("clone"), server.try_clone().expect("clone"));
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut c_read, &mut s_write);
        let _ = s_write.shutdown(Shutdown::Write);
    });
    let (mut s_read, mut c_write) = (server, client);
    let mut buf = [0u8; 16 * 1024];
    let mut sent = 0usize;
    loop {
        let n = match s_read.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        // Cutting once the answer has started: TLS handshakes pass, the HTTP answer does not.
        if mode == CUT_ANSWER && sent + n > 6000 {
            let _ = c_write.shutdown(Shutdown::Both);
            let _ = s_read.shutdown(Shutdown::Both);
            return;
        }
        if c_write.write_all(&buf[..n]).is_err() {
            break;
        }
        sent += n;
    }
    let _ = c_write.shutdown(Shutdown::Write);
}
