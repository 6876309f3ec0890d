import { describe, expect, it } from 'vitest';
import { imageAtSha } from '../../src/deploy/image-ref.ts';
import { previewHost, previewName, previewUrl } from '../../src/deploy/preview-name.ts';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

describe('previewName', () => {
  it('is pr-<N>-<repo> for plain repository names, whatever the owner', () => {
    expect(previewName(12, 'acme/web-shop')).toBe('pr-12-web-shop');
    expect(previewName(1, 'shop')).toBe('pr-1-shop');
    // Gitea treats names case-insensitively: one repository, one name.
    expect(previewName(3, 'Acme/Web-Shop')).toBe('pr-3-web-shop');
  });

  it('turns odd characters into dashes and then adds a hash, so names Gitea keeps apart stay apart', () => {
    const underscore = previewName(4, 'acme/my_app');
    const dot = previewName(4, 'acme/my.app');
    const dash = previewName(4, 'acme/my-app');
    expect(dash).toBe('pr-4-my-app');
    expect(underscore).toMatch(/^pr-4-my-app-[0-9a-f]{8}$/);
    expect(dot).toMatch(/^pr-4-my-app-[0-9a-f]{8}$/);
    expect(new Set([underscore, dot, dash]).size).toBe(3);
    expect(previewName(4, 'acme/--weird..name__')).toMatch(/^pr-4-weird-name-[0-9a-f]{8}$/);
    expect(previewName(4, 'acme/___')).toMatch(/^pr-4-[0-9a-f]{8}$/);
  });

  it('is a DNS-1123 label of at most 63 characters, and cut names sharing a prefix stay distinct', () => {
    const base = 'a-very-long-repository-name-that-goes-on-and-on-and-on';
    const one = previewName(123456, `acme/${base}-one`);
    const two = previewName(123456, `acme/${base}-two`);
    for (const name of [one, two, previewName(9_007_199_254, `acme/${'x'.repeat(100)}`)]) {
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(DNS_LABEL);
    }
    expect(one).not.toBe(two);
    expect(one.startsWith('pr-123456-a-very-long-repository-name')).toBe(true);
    // A cut that would end in a dash does not.
    expect(previewName(1, `acme/${'ab-'.repeat(30)}`)).toMatch(DNS_LABEL);
    // Exactly 63 fits as it is.
    const fits = `r${'x'.repeat(63 - 'pr-1-'.length - 1)}`;
    expect(previewName(1, `acme/${fits}`)).toBe(`pr-1-${fits}`);
  });

  it('refuses what cannot name a preview', () => {
    expect(() => previewName(0, 'acme/shop')).toThrow('positive whole number');
    expect(() => previewName(1.5, 'acme/shop')).toThrow('positive whole number');
    expect(() => previewName(1, 'acme/')).toThrow('repository name is empty');
  });
});

describe('previewHost and previewUrl', () => {
  it('put the name as one label under the preview domain', () => {
    expect(previewUrl('pr-1-shop', 'previews.example.com')).toBe('https://pr-1-shop.previews.example.com');
    expect(previewHost('pr-1-shop', '*.Previews.Example.com.')).toBe('pr-1-shop.previews.example.com');
  });

  it('refuse a domain that is not a DNS name', () => {
    expect(() => previewHost('pr-1-shop', 'https://previews.example.com')).toThrow(
      'PREVIEW_DOMAIN must be a DNS name',
    );
    expect(() => previewHost('pr-1-shop', 'previews example')).toThrow('PREVIEW_DOMAIN');
  });
});

describe('imageAtSha', () => {
  const sha = 'f'.repeat(40);

  it('tags the repository with the full commit sha, registry port included', () => {
    expect(imageAtSha('registry.example.com:5000/acme/shop', sha)).toBe(
      `registry.example.com:5000/acme/shop:${sha}`,
    );
  });

  it('refuses an image that already has a tag or digest, a short sha, or uppercase', () => {
    expect(() => imageAtSha('acme/shop:latest', sha)).toThrow('already has a tag or digest');
    expect(() => imageAtSha('acme/shop@sha256:abc', sha)).toThrow('already has a tag or digest');
    expect(() => imageAtSha('acme/shop', 'abc1234')).toThrow('40 (or 64) lowercase hex digits');
    expect(() => imageAtSha('Acme/Shop', sha)).toThrow('lowercase');
  });
});
