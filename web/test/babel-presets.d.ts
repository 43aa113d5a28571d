// The presets ship no types; Babel takes them as opaque plugin objects.
declare module "@babel/preset-typescript" {
  const preset: object;
  export default preset;
}
declare module "babel-preset-solid" {
  const preset: object;
  export default preset;
}
