<?php
/**
 * Stand-in for Elementor Pro forms (test only; see standin-common.php). Shapes:
 * ElementorPro\Modules\Forms\Classes\Form_Record with get( 'fields' ) (keyed by the field's custom
 * id: id, type, title, value, raw_value, required), get( 'files' ) (field id => url and path lists),
 * get( 'meta' ) and get_form_settings( 'id' | 'form_name' ). The hook:
 * do_action( 'elementor_pro/forms/new_record', $record, $ajax_handler ).
 */

namespace ElementorPro\Modules\Forms\Classes {
	class Form_Record {
		public function __construct( protected array $fields, protected array $files, protected array $meta, protected array $form_settings ) {}
		public function get( $property ) { return $this->$property ?? null; }
		public function get_form_settings( $setting ) { return $this->form_settings[ $setting ] ?? null; }
	}
	class Ajax_Handler {}
}

namespace {
	define( 'ELEMENTOR_PRO_VERSION', '3.24.2' );

	add_action(
		'init',
		function () {
			if ( ! fb_standin_requested( 'elementor' ) ) {
				return;
			}
			$posted = fb_standin_posted();
			$file   = fb_standin_upload( 'elementor/forms' );
			$fields = array(
				'name'    => array( 'id' => 'name', 'type' => 'text', 'title' => 'Full name', 'value' => $posted['name'] ?? '', 'raw_value' => $posted['name'] ?? '', 'required' => '1' ),
				'email'   => array( 'id' => 'email', 'type' => 'email', 'title' => 'Email', 'value' => $posted['email'] ?? '', 'raw_value' => $posted['email'] ?? '', 'required' => '1' ),
				'message' => array( 'id' => 'message', 'type' => 'textarea', 'title' => '', 'value' => $posted['message'] ?? '', 'raw_value' => $posted['message'] ?? '', 'required' => '' ),
				'cv'      => array( 'id' => 'cv', 'type' => 'upload', 'title' => 'CV', 'value' => $file ? $file['url'] : '', 'raw_value' => $file ? $file['url'] : '', 'required' => '' ),
			);
			$files  = $file ? array( 'cv' => array( 'url' => array( $file['url'] ), 'path' => array( $file['path'] ) ) ) : array();
			$meta   = array( 'page_url' => array( 'title' => 'Page URL', 'value' => 'https://shop.example/careers/' ) );
			$record = new \ElementorPro\Modules\Forms\Classes\Form_Record( $fields, $files, $meta, array( 'id' => '3f2a9c1', 'form_name' => 'Job application' ) );
			do_action( 'elementor_pro/forms/new_record', $record, new \ElementorPro\Modules\Forms\Classes\Ajax_Handler() );
			fb_standin_done();
		},
		20
	);
}
