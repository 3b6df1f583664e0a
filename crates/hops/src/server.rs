//! The running application: the HTTP server and the background job workers, started together
//! and stopped together.

use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use hops_platform::Core;
use hops_platform::web::{self, RouteSpec};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How long a graceful stop waits for open requests and running jobs before abandoning them.
/// An abandoned job is safe: its lease runs out and another worker runs it again.
const STOP_GRACE: Duration = Duration::from_secs(30);

/// Binds `listen` (port 0 picks a free port), explaining the usual mistakes in Chinese.
pub async fn bind(listen: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(listen).await.map_err(|e| match e.kind() {
        io::ErrorKind::AddrInUse => anyhow::anyhow!(
            "端口已被占用: {listen}（可能已有 hops 或其他程序在运行）。请用 --listen 指定其他地址，例如 --listen 127.0.0.1:{}",
            if listen.port() == 0 { 8081 } else { listen.port().wrapping_add(1).max(1024) }
        ),
        io::ErrorKind::PermissionDenied => {
            anyhow::anyhow!("无权监听 {listen}（1024 以下的端口通常需要管理员权限）。请用 --listen 指定其他地址")
        }
        io::ErrorKind::AddrNotAvailable => anyhow::anyhow!("本机没有地址 {}，无法监听 {listen}", listen.ip()),
        _ => anyhow::anyhow!("无法监听 {listen}: {e}"),
    })
}

/// The web application and its job workers, running in this process.
pub struct Server {
    /// The address actually bound (the real port when started on port 0).
    pub addr: SocketAddr,
    /// Base URL to reach the server, e.g. `http://127.0.0.1:8080` (loopback when bound to all
    /// interfaces).
    pub url: String,
    specs: Vec<RouteSpec>,
    stop: watch::Sender<bool>,
    http: JoinHandle<io::Result<()>>,
    workers: Vec<JoinHandle<()>>,
}

impl Server {
    /// Binds `listen`, serves the application with every module, and spawns
    /// `config.job_workers` job workers.
    pub async fn start(core: Arc<Core>, listen: SocketAddr) -> anyhow::Result<Server> {
        let listener = bind(listen).await?;
        Server::start_on(core, listener).await
    }

    /// Like [`Server::start`] on an already bound listener (to check the port before slow
    /// preparation, as `hops demo` does).
    pub async fn start_on(core: Arc<Core>, listener: TcpListener) -> anyhow::Result<Server> {
        Server::start_with(core, listener, crate::modules()).await
    }

    /// Like [`Server::start_on`] serving these modules instead of the product's (tests add
    /// the example module of `docs/module.md`).
    pub async fn start_with(
        core: Arc<Core>,
        listener: TcpListener,
        modules: Vec<Arc<dyn hops_platform::web::Module>>,
    ) -> anyhow::Result<Server> {
        Server::start_wrapped(core, listener, modules, |_, router| router).await
    }

    /// Like [`Server::start_with`] with the router wrapped by `wrap` (given the routes): the
    /// tests hold every API response to the OpenAPI document this way.
    pub async fn start_wrapped(
        core: Arc<Core>,
        listener: TcpListener,
        modules: Vec<Arc<dyn hops_platform::web::Module>>,
        wrap: impl FnOnce(&[RouteSpec], axum::Router) -> axum::Router,
    ) -> anyhow::Result<Server> {
        let addr = listener.local_addr()?;
        core.set_local_url(&base_url(addr));
        let mut app = web::app(core.clone(), modules);
        app.router = wrap(&app.specs, app.router);
        let (stop, stop_rx) = watch::channel(false);
        let mut http_stop = stop_rx.clone();
        let http = tokio::spawn(async move {
            axum::serve(listener, app.router.into_make_service_with_connect_info::<std::net::SocketAddr>())
                .with_graceful_shutdown(async move {
                    let _ = http_stop.wait_for(|stopped| *stopped).await;
                })
                .await
        });
        let workers = hops_platform::jobs::spawn_workers(core.clone(), core.config.job_workers, stop_rx);
        tracing::info!(%addr, workers = workers.len(), "hops started");
        if core.config.sandbox {
            tracing::warn!(
                "SANDBOX ON (HOPS_SANDBOX): SMS, WeChat messages and WeChat Pay without a real account are simulated on this server; \
                 anyone can read verification codes and fake payments. Trials only, never real patients."
            );
        }
        Ok(Server { addr, url: base_url(addr), specs: app.specs, stop, http, workers })
    }

    /// Every registered route (pages and API operations) with its access rule.
    pub fn specs(&self) -> &[RouteSpec] {
        &self.specs
    }

    /// Runs until `signal` completes (or the HTTP server fails), then stops gracefully.
    pub async fn run_until(mut self, signal: impl Future<Output = ()>) -> anyhow::Result<()> {
        tokio::select! {
            () = signal => {}
            r = &mut self.http => {
                let _ = self.stop.send(true);
                for w in self.workers {
                    let _ = w.await;
                }
                return match r {
                    Ok(Ok(())) => Err(anyhow::anyhow!("HTTP 服务意外停止")),
                    Ok(Err(e)) => Err(anyhow::anyhow!("HTTP 服务出错: {e}")),
                    Err(e) => Err(anyhow::anyhow!("HTTP 服务异常退出: {e}")),
                };
            }
        }
        self.shutdown().await;
        Ok(())
    }

    /// Stops accepting connections, lets open requests and running jobs finish (up to 30 s),
    /// and waits for both.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let mut tasks: Vec<(&str, JoinHandle<()>)> = Vec::new();
        let http = self.http;
        tasks.push((
            "http",
            tokio::spawn(async move {
                match http.await {
                    Ok(Err(e)) => tracing::warn!(error = %e, "HTTP server stopped with an error"),
                    Err(e) if !e.is_cancelled() => tracing::warn!(error = %e, "HTTP server task failed"),
                    _ => {}
                }
            }),
        ));
        tasks.extend(self.workers.into_iter().map(|w| ("job worker", w)));
        let deadline = tokio::time::Instant::now() + STOP_GRACE;
        for (what, mut task) in tasks {
            if tokio::time::timeout_at(deadline, &mut task).await.is_err() {
                tracing::warn!(task = what, "did not stop within {} s; abandoned", STOP_GRACE.as_secs());
                task.abort();
            }
        }
        tracing::info!(addr = %self.addr, "hops stopped");
    }
}

/// `http://ADDR`, with the unspecified address replaced by loopback so the URL can be opened.
pub fn base_url(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(ip, addr.port()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_is_reachable() {
        assert_eq!(base_url("0.0.0.0:8080".parse().unwrap()), "http://127.0.0.1:8080");
        assert_eq!(base_url("[::]:80".parse().unwrap()), "http://[::1]:80");
        assert_eq!(base_url("10.1.2.3:9000".parse().unwrap()), "http://10.1.2.3:9000");
    }
}
