package io.sendchain.examples.http;

/**
 * The static server's protocol, safety and fault tests on the generic platform with the open file cache on (every
 * lookup revalidated, as the suite changes files between requests; descriptors shared all the same).
 */
class GenericStaticServerOpenFileCacheTest extends StaticServerProtocolTest {

    @Override
    String platform() {
        return "generic";
    }

    @Override
    StaticConfig.FileCache openFileCache() {
        return StaticConfig.FileCache.of(1000).withValidMillis(0);
    }
}
