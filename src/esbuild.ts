import { unpluginFactory } from './plugin/factory.js'
import { createEsbuildPlugin } from 'unplugin'

export default createEsbuildPlugin(unpluginFactory)
