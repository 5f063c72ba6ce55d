// Integration tests run several services in one process (an indexer, a registry and a gateway, twice
// for a fresh-index comparison); each listens for SIGTERM/SIGINT to shut down, which is expected here.
process.setMaxListeners(64);
