/** sendchain's freebsd platform. Its send chain and I/O driver arrive with the platform's issue. */
module io.sendchain.platform.freebsd {
    requires io.sendchain.core;
}
