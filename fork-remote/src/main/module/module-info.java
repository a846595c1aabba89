/**
 * jfork remote templates: {@code ForkRemote.ssh(destination)}, a template on another machine
 * reached through OpenSSH (or any command), whose forks, RPC and pools work as local ones.
 * Exports the API ({@code dev.jfork.remote}); the connection, the agent and the bridges are
 * internal.
 */
module dev.jfork.remote {
    requires transitive dev.jfork;

    exports dev.jfork.remote;
}
