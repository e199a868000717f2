/** sendchain's darwin platform. Its send chain and I/O driver arrive with the platform's issue. */
module io.sendchain.platform.darwin {
    requires io.sendchain.core;
}
