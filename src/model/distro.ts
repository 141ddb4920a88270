/** The operating system an image is built on, as detected from os-release and distro files. */
export interface Distro {
  /** os-release ID, lower-case: "debian", "ubuntu", "alpine", "rhel", "rocky", "almalinux", "amzn", "wolfi", … */
  readonly id: string;
  /** os-release VERSION_ID (may be absent, e.g. Arch, Wolfi, Debian sid). */
  readonly versionId?: string;
  readonly versionCodename?: string;
  /** os-release NAME and VERSION, as written ("Debian GNU/Linux", "12 (bookworm)"). */
  readonly name?: string;
  readonly version?: string;
  readonly prettyName?: string;
  /** ID_LIKE entries, lower-case. */
  readonly idLike?: readonly string[];
  readonly cpeName?: string;
  /** OSV ecosystem for the release, e.g. "Debian:12", "Ubuntu:22.04", "Alpine:v3.20", "Rocky Linux:9". */
  readonly ecosystem?: string;
}
