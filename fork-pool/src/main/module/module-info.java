/** jfork pools: managed pools of RPC workers (AnyEvent::Fork::Pool). */
module dev.jfork.pool {
    requires transitive dev.jfork.rpc;
    requires java.management; // the pool's MXBean

    exports dev.jfork.pool;
}
