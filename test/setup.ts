// Mocha root setup. A rejected promise inside the Pulumi runtime (for example a mock that throws) would otherwise
// only show up as a test timeout; make it fail loudly instead.
process.on("unhandledRejection", (reason) => {
    console.error("unhandledRejection:", reason);
    throw reason;
});
