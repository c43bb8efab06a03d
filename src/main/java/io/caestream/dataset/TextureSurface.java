package io.caestream.dataset;

import java.util.List;
import java.util.Locale;

/**
 * The photographed surfaces of the texture benchmark, chosen to look like what inspection cameras
 * see: three regular (a repeating structure) and four stochastic (random, granular or organic).
 * Each names its picture in the OpenArena texture pack; {@link #FOREIGN} lists the pictures that
 * foreign-material defects are cut from, none of them a benchmark surface.
 */
public enum TextureSurface {
  DIAMOND_PLATE("textures/base_floor/clang_floor512.jpg", Kind.REGULAR,
      "steel diamond tread plate"),
  TREAD_PLATE("textures/proto2/tin_floor02.jpg", Kind.REGULAR,
      "sheet metal with raised lentil studs"),
  PERFORATED("textures/mc-oa-dm02/hfloor3_grey_lite.jpg", Kind.REGULAR,
      "perforated steel sheet, round holes on a hexagonal grid"),
  BRUSHED_METAL("textures/base_trim/dirty_pewter_big.jpg", Kind.STOCHASTIC,
      "worn brushed metal with fine scuffs"),
  RUSTED_METAL("textures/base_wall/rusted.jpg", Kind.STOCHASTIC,
      "rusted steel, granular"),
  CONCRETE("textures/base_wall/concrete.jpg", Kind.STOCHASTIC,
      "cast concrete, granular"),
  STONE("textures/stone/pjrock1.jpg", Kind.STOCHASTIC,
      "natural rock face, organic");

  /** Regular surfaces repeat a structure; stochastic ones only repeat statistics. */
  public enum Kind {
    REGULAR,
    STOCHASTIC;

    public String word() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Sources of foreign-material patches: other materials of the pack, never a surface above. */
  public static final List<String> FOREIGN = List.of(
      "textures/proto2/marble02.jpg",
      "textures/cosmo_block/rock01.jpg",
      "textures/gothic_trim/pitted_rust.jpg",
      "textures/organics/dirt.jpg",
      "textures/acc_dm5/wood01.jpg",
      "textures/acc_dm5/sand.jpg",
      "textures/gothic_trim/zinc.jpg",
      "textures/cosmo_trim/ctf_wall_blue1.jpg");

  private final String entry;
  private final Kind kind;
  private final String description;

  TextureSurface(String entry, Kind kind, String description) {
    this.entry = entry;
    this.kind = kind;
    this.description = description;
  }

  public String entry() {
    return entry;
  }

  public Kind kind() {
    return kind;
  }

  public String description() {
    return description;
  }

  /** The folder name, e.g. {@code diamond-plate}. */
  public String word() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public static TextureSurface of(String word) {
    for (TextureSurface s : values()) {
      if (s.word().equals(word.trim().toLowerCase(Locale.ROOT)) || s.name().equalsIgnoreCase(word.trim())) {
        return s;
      }
    }
    throw new IllegalArgumentException("unknown surface '" + word + "' (" + String.join(", ",
        java.util.Arrays.stream(values()).map(TextureSurface::word).toList()) + ")");
  }
}
