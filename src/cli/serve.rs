//! `scimspec serve`.

use super::{ServeArgs, exit, usage_error};
use crate::server::faults::{Fault, FaultSet};
use crate::server::{ServerConfig, generate_token, start};

pub fn execute(args: ServeArgs) -> u8 {
    if args.list_faults {
        let width = Fault::ALL.iter().map(|f| f.name().len()).max().unwrap_or(0);
        for fault in Fault::ALL {
            println!(
                "{:<width$}  {:<18} {}",
                fault.name(),
                fault.breaks(),
                fault.description()
            );
        }
        return exit::OK;
    }
    let faults = match args
        .faults
        .iter()
        .map(|name| name.parse::<Fault>())
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(faults) => FaultSet::new(faults),
        Err(err) => return usage_error(err),
    };
    let token = args.token.clone().unwrap_or_else(generate_token);
    let config = ServerConfig {
        bind: args.bind,
        port: args.port,
        token: token.clone(),
        faults: faults.clone(),
        seed_users: args.seed_users,
        log_requests: args.verbose,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => return usage_error(format!("cannot start the async runtime: {err}")),
    };
    runtime.block_on(async move {
        let server = match start(config).await {
            Ok(server) => server,
            Err(err) => return usage_error(err),
        };
        println!("scimspec reference server listening on {}", server.base_url);
        if args.token.is_none() {
            println!("bearer token: {token}");
        }
        if !faults.is_empty() {
            let names: Vec<&str> = faults.iter().map(Fault::name).collect();
            println!("faults: {}", names.join(", "));
        }
        println!("press Ctrl-C to stop");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = server.wait() => {}
        }
        exit::OK
    })
}
