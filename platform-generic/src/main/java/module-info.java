/** sendchain's generic platform. Its send chain and I/O driver arrive with the platform's issue. */
module io.sendchain.platform.generic {
    requires io.sendchain.core;
}
