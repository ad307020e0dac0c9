<?php
/**
 * Copies of uploaded files, kept in the plugin's own upload folder until Form-Bridge has them.
 *
 * @package FormBridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Form plugins delete or move their uploads (Contact Form 7 removes its temporary files at the end
 * of the request), so each file is copied at capture time and deleted once Form-Bridge accepted it.
 *
 * Copies are kept outside the web root when the site names a folder there
 * (define( 'FORM_BRIDGE_FILES_DIR', '/home/site/form-bridge-files' ) in wp-config.php); else in
 * wp-content/uploads/form-bridge/. Either way a copy gets a random name without an extension, so
 * no web server runs or types it whatever the visitor called it (an .htaccess is not enough:
 * nginx and Apache with AllowOverride None ignore it); the original name is kept in the queue row.
 */
class Form_Bridge_Files {

	const FOLDER = 'form-bridge';

	/**
	 * The folder for copies, created with guards against listing and direct download.
	 */
	public static function base_dir(): string {
		if ( defined( 'FORM_BRIDGE_FILES_DIR' ) && '' !== (string) FORM_BRIDGE_FILES_DIR ) {
			$dir = untrailingslashit( (string) FORM_BRIDGE_FILES_DIR );
		} else {
			$uploads = wp_upload_dir( null, false );
			$dir     = trailingslashit( $uploads['basedir'] ) . self::FOLDER;
		}
		if ( ! is_dir( $dir ) ) {
			wp_mkdir_p( $dir );
			self::guard( $dir );
			// Apache honours .htaccess; the random names protect everywhere else.
			file_put_contents( $dir . '/.htaccess', "Require all denied\nDeny from all\n" ); // phpcs:ignore WordPress.WP.AlternativeFunctions.file_system_operations_file_put_contents
		}
		return $dir;
	}

	/**
	 * An empty index.php, so a folder never lists its files.
	 *
	 * @param string $dir Folder.
	 */
	private static function guard( string $dir ): void {
		if ( ! file_exists( $dir . '/index.php' ) ) {
			file_put_contents( $dir . '/index.php', "<?php\n// Silence is golden.\n" ); // phpcs:ignore WordPress.WP.AlternativeFunctions.file_system_operations_file_put_contents
		}
	}

	/**
	 * Copies files into a folder of their own for this submission.
	 *
	 * @param string $uuid  The submission's UUID (the folder name).
	 * @param array  $files Each: field (name shown to users), path (readable file), optional name.
	 * @return array Each: field, name, type, relative path under the copies folder.
	 */
	public static function copy_all( string $uuid, array $files ): array {
		$copies = array();
		if ( empty( $files ) ) {
			return $copies;
		}
		$dir = self::base_dir() . '/' . $uuid;
		wp_mkdir_p( $dir );
		self::guard( $dir );
		foreach ( array_values( $files ) as $file ) {
			$source = isset( $file['path'] ) ? (string) $file['path'] : '';
			if ( '' === $source || ! is_file( $source ) || ! is_readable( $source ) ) {
				continue;
			}
			$name   = sanitize_file_name( isset( $file['name'] ) && '' !== $file['name'] ? (string) $file['name'] : basename( $source ) );
			$stored = bin2hex( random_bytes( 16 ) ); // No extension: never run, never typed by a web server.
			if ( ! copy( $source, $dir . '/' . $stored ) ) {
				continue;
			}
			$type     = wp_check_filetype( $name );
			$copies[] = array(
				'field' => (string) ( $file['field'] ?? 'file' ),
				'name'  => $name,
				'type'  => $type['type'] ? $type['type'] : 'application/octet-stream',
				'path'  => $uuid . '/' . $stored,
			);
		}
		return $copies;
	}

	/**
	 * The absolute path of a copy, or '' when it is outside the copies folder.
	 *
	 * @param array $copy One entry of copy_all().
	 */
	public static function absolute( array $copy ): string {
		$relative = (string) ( $copy['path'] ?? '' );
		if ( '' === $relative || str_contains( $relative, '..' ) ) {
			return '';
		}
		return self::base_dir() . '/' . $relative;
	}

	/**
	 * Deletes the copies of one submission and its folder.
	 *
	 * @param array $copies Entries of copy_all().
	 */
	public static function delete_all( array $copies ): void {
		$folders = array();
		foreach ( $copies as $copy ) {
			$path = self::absolute( (array) $copy );
			if ( '' !== $path && is_file( $path ) ) {
				wp_delete_file( $path );
			}
			if ( '' !== $path ) {
				$folders[ dirname( $path ) ] = true;
			}
		}
		foreach ( array_keys( $folders ) as $folder ) {
			if ( is_dir( $folder ) && array_values( array_diff( (array) scandir( $folder ), array( '.', '..', 'index.php' ) ) ) === array() ) {
				wp_delete_file( $folder . '/index.php' );
				rmdir( $folder ); // phpcs:ignore WordPress.WP.AlternativeFunctions.file_system_operations_rmdir
			}
		}
	}

	/**
	 * Removes the whole copies folder (uninstall).
	 */
	public static function delete_folder(): void {
		$dir = self::base_dir();
		if ( ! is_dir( $dir ) ) {
			return;
		}
		$items = new RecursiveIteratorIterator(
			new RecursiveDirectoryIterator( $dir, FilesystemIterator::SKIP_DOTS ),
			RecursiveIteratorIterator::CHILD_FIRST
		);
		foreach ( $items as $item ) {
			if ( $item->isDir() ) {
				rmdir( $item->getPathname() ); // phpcs:ignore WordPress.WP.AlternativeFunctions.file_system_operations_rmdir
			} else {
				wp_delete_file( $item->getPathname() );
			}
		}
		rmdir( $dir ); // phpcs:ignore WordPress.WP.AlternativeFunctions.file_system_operations_rmdir
	}
}
