import { unpluginFactory } from './plugin/factory.js'
import { createWebpackPlugin } from 'unplugin'

export default createWebpackPlugin(unpluginFactory)
