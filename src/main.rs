fn main() -> std::process::ExitCode {
    limit_heap_fragmentation();
    scimspec::cli::main()
}

/// Large blocks (response bodies, up to --max-response-bytes) go straight to
/// mmap and back to the system when freed. glibc's default raises that
/// threshold as large blocks are freed, after which they are carved from the
/// heap, where small long-lived allocations pin them: a run against a server
/// sending large bodies then grows with every request though little is live.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn limit_heap_fragmentation() {
    // SAFETY: mallopt only changes allocator parameters; called before any
    // thread exists. A failure (0) leaves the defaults, which still work.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn limit_heap_fragmentation() {}
