/**
 * The container images the simulated cluster can pull. With enforcement on, a pod whose image is
 * not here sits in ImagePullBackOff, the way a typo in an image tag shows up on a real cluster.
 */
export class ImageRegistry {
  private readonly images = new Set<string>();
  private enforcing = false;

  constructor(images: Iterable<string> = [], enforce = false) {
    this.add(...images);
    this.enforcing = enforce;
  }

  add(...images: string[]): this {
    for (const image of images) this.images.add(normalizeImage(image));
    return this;
  }

  remove(...images: string[]): this {
    for (const image of images) this.images.delete(normalizeImage(image));
    return this;
  }

  /** Turns enforcement on (the default argument) or off. */
  enforce(on = true): this {
    this.enforcing = on;
    return this;
  }

  get enforced(): boolean {
    return this.enforcing;
  }

  /** Whether the kubelet may pull `image`: always when enforcement is off. */
  canPull(image: string): boolean {
    return !this.enforcing || this.images.has(normalizeImage(image));
  }

  list(): string[] {
    return [...this.images].sort();
  }
}

/** `minio/minio` and `docker.io/minio/minio:latest` name the same image, as for a container runtime. */
export function normalizeImage(reference: string): string {
  const trimmed = reference.trim();
  if (!trimmed) throw new Error('an image reference must not be empty');
  const [first, ...rest] = trimmed.split('/');
  const hasRegistry =
    rest.length > 0 && (first!.includes('.') || first!.includes(':') || first === 'localhost');
  let name = hasRegistry ? trimmed : `docker.io/${rest.length === 0 ? `library/${trimmed}` : trimmed}`;
  const lastSegment = name.slice(name.lastIndexOf('/') + 1);
  if (!lastSegment.includes(':') && !name.includes('@')) name = `${name}:latest`;
  return name;
}
