package io.caestream.model;

import java.nio.file.Path;
import java.util.Map;

/**
 * One model of a repository as found on disk: its name (the folder's), its files, the per-model
 * settings of {@code model.properties}, and a fingerprint of all of it, which changes whenever a
 * file that affects scoring does (what the reload compares).
 *
 * @param folder the model's folder; null for the bundled model
 * @param parity its {@code model.parity.json}, checked before a reloaded model serves
 */
public record ModelFolder(String name, ModelSource source, Map<String, String> properties, Path folder,
    java.util.Optional<byte[]> parity, String fingerprint) {
}
