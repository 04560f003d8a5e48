// Jest snapshot serializer: masks 64-hex asset hashes (S3 keys, asset paths,
// image tags) so snapshots change only when the template itself changes.
const HASH = /[0-9a-f]{64}/g;

module.exports = {
  test(value) {
    return typeof value === 'string' && /[0-9a-f]{64}/.test(value);
  },
  serialize(value, config, indentation, depth, refs, printer) {
    return printer(value.replace(HASH, '[ASSET_HASH]'), config, indentation, depth, refs);
  },
};
