/** sendchain's linux platform. Its send chain and I/O driver arrive with the platform's issue. */
module io.sendchain.platform.linux {
    requires io.sendchain.core;
}
