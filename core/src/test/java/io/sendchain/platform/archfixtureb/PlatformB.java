package io.sendchain.platform.archfixtureb;

/** Another platform fixture. */
public class PlatformB {
}
