//! What the server logs while the tests run.

use super::*;

/// Every log line written by any test in this binary, at every level.
pub fn captured_log() -> String {
    let buf = log_buffer().lock().expect("log buffer");
    String::from_utf8_lossy(&buf).into_owned()
}

pub(super) fn log_buffer() -> &'static Arc<Mutex<Vec<u8>>> {
    static BUF: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    BUF.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let writer = buf.clone();
        server::telemetry::init_with("trace", false, move || CaptureWriter(writer.clone()));
        buf
    })
}

// ---- Per-test log capture (used by privacy.rs) ---------------------------------------

/// The log lines of one test: whatever is logged on the test's own thread while it lives.
/// A `#[tokio::test]` without a flavor runs on a current-thread runtime, so the app it
/// spawns (server, connections, the response writer) runs on that same thread and logs
/// here, never into another test's capture; other tests' lines go to [`captured_log`].
pub struct TestLog {
    buf: Arc<Mutex<Vec<u8>>>,
    _scope: tracing::subscriber::DefaultGuard,
}

impl TestLog {
    /// Starts capturing, at every level the server's filter lets through (as
    /// [`captured_log`] does). Refuses a multi-thread runtime, whose tasks would log on
    /// threads this capture does not see.
    pub fn start() -> Self {
        assert_eq!(
            tokio::runtime::Handle::current().runtime_flavor(),
            tokio::runtime::RuntimeFlavor::CurrentThread,
            "a per-test log needs the test's app on the test's own thread"
        );
        let buf = Arc::new(Mutex::new(Vec::new()));
        let writer = buf.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(server::telemetry::filter("trace"))
            .with_writer(move || CaptureWriter(writer.clone()))
            .with_ansi(false)
            .with_target(false)
            .finish();
        TestLog { buf, _scope: tracing::subscriber::set_default(subscriber) }
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.buf.lock().expect("log buffer")).into_owned()
    }
}
// ---- end of per-test log capture ------------------------------------------------------

struct CaptureWriter(Arc<Mutex<Vec<u8>>>);

impl Write for CaptureWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
